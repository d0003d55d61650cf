package io.paligemma4j.backends.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/** Residual add and logit soft-cap (contracts: {@link io.paligemma4j.kernels.ref.Elementwise}). */
public final class TornadoElementwise {
    private TornadoElementwise() {}

    /** {@code acc[i] += x[i]} over the first {@code step[ROWS]·cols} values. */
    public static void add(KernelContext c, FloatArray acc, FloatArray x, IntArray step, int cols) {
        int i = c.globalIdx;
        if (i < step.get(Step.ROWS) * cols) {
            acc.set(i, acc.get(i) + x.get(i));
        }
    }

    /** {@code x = cap·tanh(x/cap)} over n values (Gemma 2 final logits). */
    public static void softcap(KernelContext c, FloatArray x, int n, float cap) {
        int i = c.globalIdx;
        if (i < n) {
            x.set(i, cap * TornadoMath.tanh(x.get(i) / cap));
        }
    }
}
