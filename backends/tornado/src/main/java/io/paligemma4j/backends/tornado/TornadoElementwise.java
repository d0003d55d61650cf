package io.paligemma4j.backends.tornado;

import static io.paligemma4j.backends.tornado.Tiles.ROW_GROUP;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Residual add and logit soft-cap (contracts: {@link io.paligemma4j.kernels.ref.Elementwise}), and
 * the greedy pick (contract: {@link io.paligemma4j.runtime.Sampling#greedy}).
 */
public final class TornadoElementwise {
    private TornadoElementwise() {}

    /** {@code acc[i] += x[i]} over the first {@code step[ROWS]·cols} values. */
    public static void add(KernelContext c, FloatArray acc, FloatArray x, IntArray step, int cols) {
        int i = c.globalIdx;
        if (i < step.get(Step.ROWS) * cols) {
            acc.set(i, acc.get(i) + x.get(i));
        }
    }

    /**
     * Greedy pick, first pass: work-group g of {@code groups} scans its share of x[0, step[LIMIT])
     * and leaves the largest value and its index (the lowest among equals; NaN never wins; -1 when
     * it saw no number). The loop has no barrier, so its loaded bound is safe (see {@link Tiles}).
     */
    public static void argmaxPart(KernelContext c, FloatArray x, IntArray step, FloatArray partV, IntArray partI,
                                  int groups) {
        int t = c.localIdx;
        int g = c.groupIdx;
        int n = step.get(Step.LIMIT);
        float[] bestV = c.allocateFloatLocalArray(ROW_GROUP);
        int[] bestI = c.allocateIntLocalArray(ROW_GROUP);
        float bv = 0f;
        int bi = -1;
        for (int i = g * ROW_GROUP + t; i < n; i += groups * ROW_GROUP) {
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
            partV.set(g, bestV[0]);
            partI.set(g, bestI[0]);
        }
    }

    /**
     * Greedy pick, second pass: one work-group merges the groups' picks into {@code result[0]} by the
     * same rule. The tree merge is written out in both passes: moved into a helper taking the local
     * int array, TornadoVM 5.2 on PoCL produced wrong picks.
     */
    public static void argmaxFinal(KernelContext c, FloatArray partV, IntArray partI, IntArray result, int groups) {
        int t = c.localIdx;
        float[] bestV = c.allocateFloatLocalArray(ROW_GROUP);
        int[] bestI = c.allocateIntLocalArray(ROW_GROUP);
        float bv = 0f;
        int bi = -1;
        for (int k = t; k < groups; k += ROW_GROUP) {
            int oi = partI.get(k);
            float ov = partV.get(k);
            if (oi >= 0 && (bi < 0 || ov > bv || (ov == bv && oi < bi))) {
                bv = ov;
                bi = oi;
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

    /** {@code x = cap·tanh(x/cap)} over n values (Gemma 2 final logits). */
    public static void softcap(KernelContext c, FloatArray x, int n, float cap) {
        int i = c.globalIdx;
        if (i < n) {
            x.set(i, cap * DeviceMath.tanh(x.get(i) / cap));
        }
    }
}
