package io.paligemma4j.kernels.ref;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.MemorySegment;

/**
 * Rotary position embedding, half-split (rotate_half, GPT-NeoX style). Contract: {@code x} is
 * [rows, heads·headDim], row r at position {@code pos0 + r}; each head vector v is split into
 * a = v[0, d/2) and b = v[d/2, d): {@code a' = a·cos − b·sin}, {@code b' = b·cos + a·sin} with
 * angle {@code pos · theta^(−2i/d)}. Angles and cos/sin are computed in float64 (exact to float32
 * rounding at any position), applied in place.
 */
public final class Rope {
    private Rope() {}

    public static void rope(MemorySegment x, int rows, int heads, int headDim, int pos0, double theta) {
        int half = headDim / 2;
        double[] invFreq = inverseFrequencies(headDim, theta);
        float[] cos = new float[half];
        float[] sin = new float[half];
        for (int r = 0; r < rows; r++) {
            angles(pos0 + r, invFreq, cos, sin);
            for (int h = 0; h < heads; h++) {
                long base = ((long) r * heads + h) * headDim;
                for (int i = 0; i < half; i++) {
                    float a = x.getAtIndex(JAVA_FLOAT, base + i);
                    float b = x.getAtIndex(JAVA_FLOAT, base + half + i);
                    x.setAtIndex(JAVA_FLOAT, base + i, a * cos[i] - b * sin[i]);
                    x.setAtIndex(JAVA_FLOAT, base + half + i, b * cos[i] + a * sin[i]);
                }
            }
        }
    }

    /** {@code theta^(−2i/d)} for i in [0, d/2). */
    public static double[] inverseFrequencies(int headDim, double theta) {
        double[] f = new double[headDim / 2];
        for (int i = 0; i < f.length; i++) {
            f[i] = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
        }
        return f;
    }

    public static void angles(int pos, double[] invFreq, float[] cos, float[] sin) {
        for (int i = 0; i < invFreq.length; i++) {
            double a = pos * invFreq[i];
            cos[i] = (float) Math.cos(a);
            sin[i] = (float) Math.sin(a);
        }
    }
}
