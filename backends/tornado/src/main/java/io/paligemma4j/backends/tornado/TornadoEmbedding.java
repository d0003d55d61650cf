package io.paligemma4j.backends.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * Token lookup, image-feature placement and the im2col half of SigLIP's patch embedding
 * (contracts: {@link io.paligemma4j.kernels.ref.Embedding}).
 */
public final class TornadoEmbedding {
    private TornadoEmbedding() {}

    /**
     * {@code x[r, :] = table[id(r), :]·scale} for rows in [step[IMAGE_ROWS], step[ROWS]): id(r) is
     * {@code step[TOKEN]} in a decode step, else {@code ids[r]}. The ids were range-checked on the host.
     */
    public static void lookup(KernelContext c, ShortArray table, FloatArray pow2, FloatArray x, IntArray step,
                              IntArray ids, int dim, int format, float scale) {
        int id = c.globalIdx;
        int r = id / dim + step.get(Step.IMAGE_ROWS);
        if (r < step.get(Step.ROWS)) {
            int i = id % dim;
            int tok = step.get(Step.TOKEN) >= 0 ? step.get(Step.TOKEN) : ids.get(r);
            x.set(r * dim + i, Weights16.load(table, tok * dim + i, format, pow2) * scale);
        }
    }

    /** Copies the n values of the projected image features into the first rows of x, unscaled. */
    public static void placeImage(KernelContext c, FloatArray features, FloatArray x, int n) {
        int i = c.globalIdx;
        if (i < n) {
            x.set(i, features.get(i));
        }
    }

    /**
     * im2col for a Conv2d with kernel = stride = patch: pixels [C, S, S] → patches [G·G, C·P·P],
     * column order (c, ky, kx) matching the flattened [D, C, P, P] weight, so the convolution is
     * one GEMM against it.
     */
    public static void im2col(KernelContext c, FloatArray pixels, FloatArray patches, int imageSize, int patch,
                              int channels) {
        int g = imageSize / patch;
        int k = channels * patch * patch;
        int id = c.globalIdx;
        if (id < g * g * k) {
            int p = id / k;
            int j = id % k;
            int ch = j / (patch * patch);
            int ky = (j / patch) % patch;
            int kx = j % patch;
            int y = (p / g) * patch + ky;
            int xx = (p % g) * patch + kx;
            patches.set(id, pixels.get((ch * imageSize + y) * imageSize + xx));
        }
    }
}
