package io.paligemma4j.kernels.ref;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.MemorySegment;

/** Pointwise activations over n float32 values. */
public final class Activations {
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    private Activations() {}

    /** {@code gelu_tanh(x) = 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³)))}, in place. */
    public static void geluTanh(MemorySegment x, long n) {
        for (long i = 0; i < n; i++) {
            x.setAtIndex(JAVA_FLOAT, i, gelu(x.getAtIndex(JAVA_FLOAT, i)));
        }
    }

    /** GeGLU: {@code out = gelu_tanh(gate) · up}; out may alias gate or up. */
    public static void geglu(MemorySegment gate, MemorySegment up, long n, MemorySegment out) {
        for (long i = 0; i < n; i++) {
            out.setAtIndex(JAVA_FLOAT, i, gelu(gate.getAtIndex(JAVA_FLOAT, i)) * up.getAtIndex(JAVA_FLOAT, i));
        }
    }

    public static float gelu(float x) {
        double t = Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x));
        return (float) (0.5 * x * (1.0 + t));
    }
}
