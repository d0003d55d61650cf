package io.paligemma4j.kernels.ref;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.MemorySegment;

/** Glue ops over n float32 values. */
public final class Elementwise {
    private Elementwise() {}

    /** Residual add: {@code acc[i] += x[i]}. */
    public static void add(MemorySegment acc, MemorySegment x, long n) {
        for (long i = 0; i < n; i++) {
            acc.setAtIndex(JAVA_FLOAT, i, acc.getAtIndex(JAVA_FLOAT, i) + x.getAtIndex(JAVA_FLOAT, i));
        }
    }

    /** Soft-cap: {@code x = cap·tanh(x/cap)} in place (Gemma 2 final logits). */
    public static void softcap(MemorySegment x, long n, float cap) {
        for (long i = 0; i < n; i++) {
            x.setAtIndex(JAVA_FLOAT, i, (float) (cap * Math.tanh(x.getAtIndex(JAVA_FLOAT, i) / cap)));
        }
    }

    /** Softmax in place over n values, the maximum subtracted first; −∞ entries become 0. */
    public static void softmax(MemorySegment x, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x.getAtIndex(JAVA_FLOAT, i));
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x.getAtIndex(JAVA_FLOAT, i) - max);
            x.setAtIndex(JAVA_FLOAT, i, e);
            sum += e;
        }
        float inv = 1f / sum;
        for (int i = 0; i < n; i++) {
            x.setAtIndex(JAVA_FLOAT, i, x.getAtIndex(JAVA_FLOAT, i) * inv);
        }
    }

    /** Index of the largest of n values; the lowest index wins ties; NaN is never chosen. */
    public static int argmax(MemorySegment x, int n) {
        int best = -1;
        float bestV = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = x.getAtIndex(JAVA_FLOAT, i);
            if (v > bestV || (best < 0 && v == bestV)) {
                best = i;
                bestV = v;
            }
        }
        if (best < 0) {
            throw new IllegalStateException("argmax over " + n + " values found no number (all NaN?)");
        }
        return best;
    }
}
