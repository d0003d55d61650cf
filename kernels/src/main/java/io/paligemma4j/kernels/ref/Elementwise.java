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
}
