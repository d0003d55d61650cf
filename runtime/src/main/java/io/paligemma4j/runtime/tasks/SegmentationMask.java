package io.paligemma4j.runtime.tasks;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * A binary object mask the size of the original image, built as big_vision's evaluator does: each
 * object's 64×64 logits are resized to its pixel box with PIL-style bilinear filtering, thresholded
 * at {@code > 0}, and pasted at the box. Box corners are rounded half to even (Python's
 * {@code round}, as in the demo Space); a box that rounds to nothing contributes nothing.
 */
public final class SegmentationMask {
    private final int width;
    private final int height;
    private final boolean[] pixels;

    private SegmentationMask(int width, int height, boolean[] pixels) {
        this.width = width;
        this.height = height;
        this.pixels = pixels;
    }

    /**
     * The union of the masks of {@code objects} on a {@code width×height} image. Objects without
     * seg ids (plain boxes) are skipped; {@code decoder} maps 16 seg ids to 64×64 row-major logits
     * (normally {@code vqVaeDecoder::decode}).
     */
    public static SegmentationMask of(int width, int height, List<Detection> objects,
            Function<int[], float[]> decoder) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size " + width + "x" + height);
        }
        boolean[] mask = new boolean[width * height];
        for (Detection d : objects) {
            if (!d.hasMask()) {
                continue;
            }
            int x1 = clamp(Math.rint(d.x1()), width);
            int y1 = clamp(Math.rint(d.y1()), height);
            int x2 = clamp(Math.rint(d.x2()), width);
            int y2 = clamp(Math.rint(d.y2()), height);
            if (x2 <= x1 || y2 <= y1) {
                continue;
            }
            float[] logits = decoder.apply(d.segIds());
            int s = VqVaeDecoder.MASK_SIZE;
            if (logits.length != s * s) {
                throw new IllegalStateException("mask decoder returned " + logits.length + " values, not " + s * s);
            }
            int bw = x2 - x1;
            int bh = y2 - y1;
            float[] box = BilinearResize.resize(logits, s, s, bw, bh);
            for (int y = 0; y < bh; y++) {
                for (int x = 0; x < bw; x++) {
                    if (box[y * bw + x] > 0f) {
                        mask[(y1 + y) * width + x1 + x] = true;
                    }
                }
            }
        }
        return new SegmentationMask(width, height, mask);
    }

    private static int clamp(double v, int size) {
        return (int) Math.min(Math.max(v, 0), size);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public boolean get(int x, int y) {
        return pixels[y * width + x];
    }

    /** Number of object pixels. */
    public long area() {
        long n = 0;
        for (boolean p : pixels) {
            n += p ? 1 : 0;
        }
        return n;
    }

    /** 8-bit gray: 255 where the object is, 0 elsewhere. */
    public BufferedImage toImage() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        byte[] gray = new byte[pixels.length];
        for (int i = 0; i < gray.length; i++) {
            gray[i] = pixels[i] ? (byte) 255 : 0;
        }
        img.getRaster().setDataElements(0, 0, width, height, gray);
        return img;
    }

    public void writePng(Path file) {
        Png.write(toImage(), file);
    }
}
