package io.paligemma4j.backends.tornado;

import static io.paligemma4j.backends.tornado.Tiles.ROW_GROUP;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Row normalisations, one work-group of ROW_GROUP items per row, statistics in float32 with a
 * local-memory tree reduction. Output row r reads input row {@code step[IN_ROW] + r}; x and out
 * may be the same array. Groups past {@code step[ROWS]} run the reductions on nothing (barriers
 * must not sit under data-dependent control flow; see {@link Tiles}). Contracts:
 * {@link io.paligemma4j.kernels.ref.Norms}.
 */
public final class TornadoNorms {
    private TornadoNorms() {}

    /** LayerNorm (SigLIP): {@code (x − mean)/sqrt(var + eps)·gamma + beta}, biased variance, two passes. */
    public static void layerNorm(KernelContext c, FloatArray x, FloatArray gamma, FloatArray beta, FloatArray out,
                                 IntArray step, int dim, float eps) {
        int r = c.groupIdx;
        int dimLive = r < step.get(Step.ROWS) ? dim : 0;
        int t = c.localIdx;
        int in = (step.get(Step.IN_ROW) + r) * dim;
        float[] part = c.allocateFloatLocalArray(ROW_GROUP);
        float s = 0f;
        for (int i = t; i < dimLive; i += ROW_GROUP) {
            s += x.get(in + i);
        }
        float mean = GroupSum.sum(c, part, t, s) / dim;
        float v = 0f;
        for (int i = t; i < dimLive; i += ROW_GROUP) {
            float d = x.get(in + i) - mean;
            v += d * d;
        }
        float inv = 1f / TornadoMath.sqrt(GroupSum.sum(c, part, t, v) / dim + eps);
        for (int i = t; i < dimLive; i += ROW_GROUP) {
            out.set(r * dim + i, (x.get(in + i) - mean) * inv * gamma.get(i) + beta.get(i));
        }
    }

    /**
     * RMSNorm (Gemma): {@code x·rsqrt(mean(x²) + eps)·(1 + w)}; with {@code accumulate} = 1 it is
     * added to {@code out} instead (Gemma 2's norm after the attention or the MLP together with its
     * residual add: the same operations, in the same order, as the norm then
     * {@link TornadoElementwise#add}).
     */
    public static void rmsNorm(KernelContext c, FloatArray x, FloatArray w, FloatArray out, IntArray step, int dim,
                               float eps, int accumulate) {
        int r = c.groupIdx;
        int dimLive = r < step.get(Step.ROWS) ? dim : 0;
        int t = c.localIdx;
        int in = (step.get(Step.IN_ROW) + r) * dim;
        float[] part = c.allocateFloatLocalArray(ROW_GROUP);
        float inv = rmsInverse(c, part, t, x, in, dimLive, dim, eps);
        for (int i = t; i < dimLive; i += ROW_GROUP) {
            float v = x.get(in + i) * inv * (1f + w.get(i));
            if (accumulate == 1) {
                v = out.get(r * dim + i) + v;
            }
            out.set(r * dim + i, v);
        }
    }

    /**
     * {@code 1/sqrt(Σ x²/dim + eps)} over the first {@code n} of the values from {@code base} (n is
     * 0 for an idle row), to every item. The one reduction every RMSNorm uses, fused or not, so
     * their normalised values agree bit for bit. Every item must call it.
     */
    static float rmsInverse(KernelContext c, float[] part, int t, FloatArray x, int base, int n, int dim, float eps) {
        float s = 0f;
        for (int i = t; i < n; i += ROW_GROUP) {
            float v = x.get(base + i);
            s += v * v;
        }
        return 1f / TornadoMath.sqrt(GroupSum.sum(c, part, t, s) / dim + eps);
    }
}
