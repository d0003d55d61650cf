package io.paligemma4j.backends.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * GELU-tanh (SigLIP MLP) and GeGLU (Gemma MLP) over the first {@code step[ROWS]·cols} values
 * (contracts: {@link io.paligemma4j.kernels.ref.Activations}).
 */
public final class TornadoActivations {
    /** sqrt(2/π) rounded to float; the constant of the tanh approximation, not a model parameter. */
    private static final float SQRT_2_OVER_PI = 0.7978845608f;

    private TornadoActivations() {}

    /** {@code 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³)))}. */
    public static float gelu(float x) {
        return 0.5f * x * (1f + DeviceMath.tanh(SQRT_2_OVER_PI * (x + 0.044715f * x * x * x)));
    }

    /** In place. */
    public static void geluTanh(KernelContext c, FloatArray x, IntArray step, int cols) {
        int i = c.globalIdx;
        if (i < step.get(Step.ROWS) * cols) {
            x.set(i, gelu(x.get(i)));
        }
    }

    /** {@code out = gelu_tanh(gate)·up}; out may be gate. */
    public static void geglu(KernelContext c, FloatArray gate, FloatArray up, FloatArray out, IntArray step, int cols) {
        int i = c.globalIdx;
        if (i < step.get(Step.ROWS) * cols) {
            out.set(i, gelu(gate.get(i)) * up.get(i));
        }
    }
}
