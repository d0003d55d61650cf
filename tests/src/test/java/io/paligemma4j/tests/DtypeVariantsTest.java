package io.paligemma4j.tests;

import static org.junit.jupiter.api.Assertions.*;

import io.paligemma4j.loader.DType;
import io.paligemma4j.loader.Npy;
import io.paligemma4j.runtime.Backends;
import io.paligemma4j.runtime.GenerationOptions;
import io.paligemma4j.runtime.GenerationResult;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * 16-bit and sharded checkpoints, written by the test from the F32 fixture, load and compute exactly
 * what an F32 checkpoint holding the same (rounded) values computes: the kernels decode BF16/F16
 * exactly, so any difference would be a loader or decoding bug. (The tiny v1 model has D = 64, so
 * the embedding scale sqrt(D) = 8 is exact in every dtype.)
 */
class DtypeVariantsTest {
    @TempDir
    Path tmp;

    static GenerationResult run(Path model) {
        try (PaliGemmaModel m = PaliGemmaModel.load(model);
             Session s = Session.open(m, Backends.select("reference"), Session.defaultCapacity(m.config()))) {
            int[] prefix = Session.textPrefix(2, Fixtures.PROMPT, new int[] {Fixtures.NEWLINE});
            return s.generate(Npy.read(Fixtures.pixels()).data(), prefix, GenerationOptions.conformance(8), t -> {}, true);
        }
    }

    static void assertSame(GenerationResult a, GenerationResult b) {
        assertArrayEquals(a.tokens(), b.tokens());
        assertArrayEquals(a.imageFeatures(), b.imageFeatures());
        assertArrayEquals(a.prefillLogits(), b.prefillLogits());
        for (int i = 0; i < a.stepLogits().size(); i++) {
            assertArrayEquals(a.stepLogits().get(i), b.stepLogits().get(i), "step " + i);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BF16", "F16"})
    void sixteenBitCheckpointEqualsRoundedF32(DType dtype) throws Exception {
        Path v1 = Fixtures.model("v1");
        GenerationResult half = run(ModelCopies.convert(v1, tmp.resolve("half"), dtype));
        GenerationResult rounded = run(ModelCopies.rounded(v1, tmp.resolve("rounded"), dtype));
        assertSame(rounded, half);
        // And rounding really changed something, so the comparison is not vacuous.
        assertFalse(java.util.Arrays.equals(run(v1).prefillLogits(), half.prefillLogits()));
    }

    @Test
    void shardedCheckpointEqualsSingleFile() throws Exception {
        Path v2 = Fixtures.model("v2");
        assertSame(run(v2), run(ModelCopies.sharded(v2, tmp.resolve("sharded"), 3)));
    }
}
