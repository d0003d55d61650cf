package io.paligemma4j.runtime.tasks;

import static org.junit.jupiter.api.Assertions.*;

import io.paligemma4j.loader.image.RgbImage;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BoxDrawingTest {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private static final int W = 200;
    private static final int H = 150;

    @TempDir
    Path dir;

    /** A gradient, so that "unchanged" means every pixel kept its own value. */
    private static RgbImage gradient() {
        byte[] rgb = new byte[W * H * 3];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int i = (y * W + x) * 3;
                rgb[i] = (byte) x;
                rgb[i + 1] = (byte) y;
                rgb[i + 2] = 77;
            }
        }
        return new RgbImage(W, H, rgb);
    }

    private static int original(int x, int y) {
        return (x & 0xFF) << 16 | y << 8 | 77;
    }

    @Test
    void drawsColouredBoxEdgesAndLeavesTheRestAlone() throws IOException {
        List<Detection> objects = List.of(
                new Detection("cat", 40, 50, 120, 130),
                new Detection("dog", 130, 20, 190, 60),
                new Detection("cat", 150, 80, 180, 110));
        Path png = dir.resolve("boxes.png");
        BoxDrawing.writePng(gradient(), objects, png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(W, img.getWidth());
        assertEquals(H, img.getHeight());

        Map<String, Color> colours = BoxDrawing.labelColours(objects);
        assertEquals(List.of("cat", "dog"), List.copyOf(colours.keySet()));
        int cat = colours.get("cat").getRGB() & 0xFFFFFF;
        int dog = colours.get("dog").getRGB() & 0xFFFFFF;
        assertNotEquals(cat, dog);

        // Edges (2 px wide at this size) in the label's colour; same label, same colour.
        int[][] catEdges = {{40, 100}, {41, 100}, {119, 100}, {80, 129}, {80, 50}, {150, 95}, {179, 95}};
        for (int[] p : catEdges) {
            assertEquals(cat, img.getRGB(p[0], p[1]) & 0xFFFFFF, "cat edge at " + p[0] + "," + p[1]);
        }
        assertEquals(dog, img.getRGB(189, 40) & 0xFFFFFF);
        assertEquals(dog, img.getRGB(160, 59) & 0xFFFFFF);

        // Far from boxes and tags, and inside the boxes: the original pixels.
        int[][] untouched = {{10, 140}, {5, 5}, {80, 100}, {42, 100}, {160, 40}, {195, 140}, {165, 95}};
        for (int[] p : untouched) {
            assertEquals(original(p[0], p[1]), img.getRGB(p[0], p[1]) & 0xFFFFFF, "at " + p[0] + "," + p[1]);
        }
    }

    @Test
    void drawsOnACopy() {
        BufferedImage src = BoxDrawing.toBufferedImage(gradient());
        BufferedImage out = BoxDrawing.draw(src, List.of(new Detection("x", 10, 10, 50, 50)));
        assertNotSame(src, out);
        assertEquals(original(10, 10), src.getRGB(10, 10) & 0xFFFFFF);
        assertNotEquals(original(10, 10), out.getRGB(10, 10) & 0xFFFFFF);
    }
}
