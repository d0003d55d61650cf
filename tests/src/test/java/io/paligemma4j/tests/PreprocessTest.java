package io.paligemma4j.tests;

import static org.junit.jupiter.api.Assertions.*;

import io.paligemma4j.cli.Main;
import io.paligemma4j.loader.Npy;
import io.paligemma4j.loader.image.ImageLoader;
import io.paligemma4j.loader.image.Preprocess;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image preprocessing against the Hugging Face SigLIP processor's output for the fixture PNG. */
class PreprocessTest {
    /** One uint8 step after x/127.5 − 1. */
    static final double STEP = 1 / 127.5;

    @TempDir
    Path tmp;

    @Test
    void matchesHuggingFaceProcessorOnTheFixture() {
        Npy.Array want = Npy.read(Fixtures.resource("inputs/png_56.npy"));
        float[] got = Preprocess.pixels(ImageLoader.load(Fixtures.resource("inputs/synthetic.png"), 1 << 20), 56);
        assertArrayEquals(new long[] {3, 56, 56}, want.shape());
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - want.data()[i]));
        }
        // PIL's fixed-point bicubic is reproduced step by step, so the bytes agree exactly; the
        // contract is one uint8 step, and this asserts the stronger result.
        assertTrue(worst < 1e-6, "max |diff| " + worst + " (one step is " + STEP + ")");
    }

    @Test
    void commandWritesTheSameArray() {
        Path out = tmp.resolve("px.npy");
        assertEquals(0, Main.run("preprocess", "--image", Fixtures.resource("inputs/synthetic.png").toString(),
                "--size", "56", "--out", out.toString()));
        Npy.Array want = Npy.read(Fixtures.resource("inputs/png_56.npy"));
        Npy.Array got = Npy.read(out);
        assertArrayEquals(want.shape(), got.shape());
        Fixtures.assertClose(want, got.data(), 1e-6, "preprocess");
    }
}
