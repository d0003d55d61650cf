package io.paligemma4j.runtime.tasks;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentationMaskTest {
    private static final int[] IDS = new int[16];

    @TempDir
    Path dir;

    /** A stub decoder: +1 in the left half of the 64×64 mask, −1 in the right half. */
    private static final Function<int[], float[]> LEFT_HALF = ids -> {
        float[] m = new float[64 * 64];
        for (int i = 0; i < m.length; i++) {
            m[i] = i % 64 < 32 ? 1f : -1f;
        }
        return m;
    };

    private static void assertRegion(SegmentationMask m, int x1, int y1, int x2, int y2) {
        for (int y = 0; y < m.height(); y++) {
            for (int x = 0; x < m.width(); x++) {
                boolean inside = x >= x1 && x < x2 && y >= y1 && y < y2;
                assertEquals(inside, m.get(x, y), "at " + x + "," + y);
            }
        }
    }

    @Test
    void pastesTheThresholdedResizedMaskIntoTheBox() {
        // Box 80x40 at (40, 20). Upscaling 64 → 80 puts output column o at input position
        // (o + 0.5)·0.8; the ±1 step between input pixels 31 and 32 crosses zero at 32.0, so
        // columns 0..39 of the box are positive: object pixels x in [40, 80), y in [20, 60).
        Detection d = new Detection("cat", 40, 20, 120, 60, IDS);
        SegmentationMask m = SegmentationMask.of(200, 100, List.of(d), LEFT_HALF);
        assertEquals(200, m.width());
        assertEquals(100, m.height());
        assertRegion(m, 40, 20, 80, 60);
        assertEquals(40 * 40, m.area());
    }

    @Test
    void roundsBoxCornersHalfToEven() {
        // 12.5 → 12, 3.5 → 4, 20.5 → 20, 9.5 → 10 (Python's round), with an all-positive mask.
        Detection d = new Detection("a", 12.5, 3.5, 20.5, 9.5, IDS);
        SegmentationMask m = SegmentationMask.of(32, 16, List.of(d), ids -> filled(1f));
        assertRegion(m, 12, 4, 20, 10);
    }

    @Test
    void unitesObjectsAndSkipsPlainBoxes() {
        Function<int[], float[]> positive = ids -> filled(0.5f);
        List<Detection> objects = List.of(
                new Detection("a", 0, 0, 4, 4, IDS),
                new Detection("box only", 10, 10, 20, 20),
                new Detection("b", 2, 2, 6, 6, IDS));
        SegmentationMask m = SegmentationMask.of(30, 30, objects, positive);
        assertEquals(16 + 16 - 4, m.area());
        assertTrue(m.get(5, 5));
        assertFalse(m.get(15, 15));
    }

    @Test
    void writesAnEightBitGrayPng() throws IOException {
        Detection d = new Detection("cat", 40, 20, 120, 60, IDS);
        Path png = dir.resolve("mask.png");
        SegmentationMask.of(200, 100, List.of(d), LEFT_HALF).writePng(png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(200, img.getWidth());
        assertEquals(100, img.getHeight());
        assertEquals(BufferedImage.TYPE_BYTE_GRAY, img.getType());
        assertEquals(255, img.getRaster().getSample(50, 30, 0));
        assertEquals(0, img.getRaster().getSample(100, 30, 0));
        assertEquals(0, img.getRaster().getSample(5, 5, 0));
    }

    private static float[] filled(float v) {
        float[] m = new float[64 * 64];
        java.util.Arrays.fill(m, v);
        return m;
    }
}
