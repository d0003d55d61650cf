package io.paligemma4j.tests;

import static org.junit.jupiter.api.Assertions.*;

import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.Npy;
import io.paligemma4j.loader.image.ImageLoader;
import io.paligemma4j.loader.image.RgbImage;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Decoding against Pillow 12.3's {@code Image.open(f).convert("RGB")} (the arrays were written by
 * {@code tests/src/test/image-reference/generate.py}): CMYK JPEGs with a non-zero K channel agree
 * byte for byte; harmless oddities decode as the intact image; truncated files are refused, as
 * Pillow refuses them, with one message naming the file.
 */
class ImageFidelityTest {
    static Path image(String name) {
        return Fixtures.resource("images/" + name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cmyk.jpg", "cmyk_dark.jpg", "bad_ancillary_crc.png", "png_named.jpg"})
    void decodesAsPillowDoes(String name) {
        RgbImage got = ImageLoader.load(image(name), ImageLoader.DEFAULT_MAX_PIXELS);
        Npy.Array want = Npy.read(image(name.replaceFirst("\\.[a-z]+$", "") + ".rgb.npy"));
        assertArrayEquals(new long[] {got.height(), got.width(), 3}, want.shape(), name);
        int worst = 0;
        for (int i = 0; i < want.data().length; i++) {
            worst = Math.max(worst, Math.abs((got.rgb()[i] & 0xFF) - (int) want.data()[i]));
        }
        assertEquals(0, worst, name + ": max |diff| to Pillow in uint8 steps");
    }

    @ParameterizedTest
    @ValueSource(strings = {"truncated_baseline.jpg", "truncated_progressive.jpg", "truncated.png"})
    void refusesTruncatedFiles(String name) {
        BadInputException e = assertThrows(BadInputException.class,
                () -> ImageLoader.load(image(name), ImageLoader.DEFAULT_MAX_PIXELS));
        assertTrue(e.getMessage().contains(name), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
