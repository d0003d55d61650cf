package io.paligemma4j.kernels.tornado;

import static io.paligemma4j.kernels.tornado.Tiles.ROW_GROUP;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/** Residual add, logit soft-cap, softmax and argmax. */
public final class ElementwiseKernels {
    private ElementwiseKernels() {}

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

    /** Softmax in place over n values, by one work-group of ROW_GROUP items (max, sum, scale). */
    public static void softmax(KernelContext c, FloatArray x, int n) {
        int t = c.localIdx;
        float[] part = c.allocateFloatLocalArray(ROW_GROUP);
        float m = -3.0e38f;
        for (int i = t; i < n; i += ROW_GROUP) {
            m = TornadoMath.max(m, x.get(i));
        }
        part[t] = m;
        c.localBarrier();
        for (int half = ROW_GROUP / 2; half > 0; half >>= 1) {
            if (t < half) {
                part[t] = TornadoMath.max(part[t], part[t + half]);
            }
            c.localBarrier();
        }
        float max = part[0];
        float s = 0f;
        for (int i = t; i < n; i += ROW_GROUP) {
            float e = TornadoMath.exp(x.get(i) - max);
            x.set(i, e);
            s += e;
        }
        float inv = 1f / GroupSum.sum(c, part, t, s);
        for (int i = t; i < n; i += ROW_GROUP) {
            x.set(i, x.get(i) * inv);
        }
    }

    /**
     * Index of the largest of n values into {@code result[0]}, by one work-group; the lowest index
     * wins ties and NaN is never chosen ({@code -1} when every value is NaN).
     */
    public static void argmax(KernelContext c, FloatArray x, IntArray result, int n) {
        int t = c.localIdx;
        float[] bestV = c.allocateFloatLocalArray(ROW_GROUP);
        int[] bestI = c.allocateIntLocalArray(ROW_GROUP);
        float bv = 0f;
        int bi = -1;
        for (int i = t; i < n; i += ROW_GROUP) {
            float v = x.get(i);
            if (v == v && (bi < 0 || v > bv)) {
                bv = v;
                bi = i;
            }
        }
        bestV[t] = bv;
        bestI[t] = bi;
        c.localBarrier();
        for (int half = ROW_GROUP / 2; half > 0; half >>= 1) {
            if (t < half) {
                int oi = bestI[t + half];
                float ov = bestV[t + half];
                int mi = bestI[t];
                if (oi >= 0 && (mi < 0 || ov > bestV[t] || (ov == bestV[t] && oi < mi))) {
                    bestV[t] = ov;
                    bestI[t] = oi;
                }
            }
            c.localBarrier();
        }
        if (t == 0) {
            result.set(0, bestI[0]);
        }
    }
}
