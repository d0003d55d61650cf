package io.paligemma4j.runtime.tasks;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * One object the model found: a label and a box in pixel coordinates of the original image
 * ({@code x1 < x2}, {@code y1 < y2}, see {@link Detections} for the convention), plus, for
 * segmentation output, the 16 VQ-VAE codebook indices (0…127) of its mask, or none.
 */
public record Detection(String label, double x1, double y1, double x2, double y2, int[] segIds) {
    public static final int SEG_TOKENS = 16;

    public Detection {
        if (segIds.length != 0 && segIds.length != SEG_TOKENS) {
            throw new IllegalArgumentException("a mask has " + SEG_TOKENS + " seg ids, not " + segIds.length);
        }
        segIds = segIds.clone();
    }

    /** A box without a mask (detection output). */
    public Detection(String label, double x1, double y1, double x2, double y2) {
        this(label, x1, y1, x2, y2, new int[0]);
    }

    @Override
    public int[] segIds() {
        return segIds.clone();
    }

    public boolean hasMask() {
        return segIds.length == SEG_TOKENS;
    }

    // Records compare arrays by reference; two parses of the same text must be equal.
    @Override
    public boolean equals(Object o) {
        return o instanceof Detection d && label.equals(d.label) && x1 == d.x1 && y1 == d.y1
                && x2 == d.x2 && y2 == d.y2 && Arrays.equals(segIds, d.segIds);
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hash(label, x1, y1, x2, y2) + Arrays.hashCode(segIds);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s [%.1f, %.1f, %.1f, %.1f]%s", label, x1, y1, x2, y2,
                hasMask() ? " seg" + Arrays.toString(segIds) : "");
    }
}
