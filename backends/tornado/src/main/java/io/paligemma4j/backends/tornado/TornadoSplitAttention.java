package io.paligemma4j.backends.tornado;

import static io.paligemma4j.backends.tornado.Tiles.ROW_GROUP;
import static io.paligemma4j.backends.tornado.Tiles.SPLIT_KEYS;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Decode attention split over the keys: one query row at position {@code step[START]} against
 * keys [0, START] (contract: {@link io.paligemma4j.kernels.ref.Attention}, with its prefix-LM
 * mask, soft-cap and window; rules as {@link TornadoAttention}'s).
 *
 * <p>{@link #partial}: work-group (chunk, kv head) of ROW_GROUP items takes SPLIT_KEYS keys and
 * every query head sharing that kv head (MQA/GQA), staging the heads' queries and the chunk's keys,
 * then values, in local memory; it leaves per head the chunk's max score, its sum of exponentials
 * and its unnormalised output. Chunks past the current length (or outside the window) do no work
 * but still reach every barrier (see {@link Tiles}). {@link #combine} then merges the chunks per
 * head, looping over the live chunks only. So a short context costs little however large the
 * capacity, and a long one spreads over many work-groups.
 */
public final class TornadoSplitAttention {
    /** Below any real logit (as {@link TornadoAttention}'s). */
    private static final float NEG = -3.0e38f;

    private TornadoSplitAttention() {}

    /**
     * @param stats per (head, chunk): max score at {@code [(h·chunks + chunk)·2]}, exp-sum after it
     * @param partOut per (head, chunk): headDim unnormalised output values
     * @param groupDim heads per kv head × headDim (the staged queries)
     */
    public static void partial(KernelContext c, FloatArray q, FloatArray k, FloatArray v, FloatArray stats,
                               FloatArray partOut, IntArray step, int heads, int kvHeads, int headDim, float scale,
                               float softcap, int window, int chunks, int groupDim) {
        int chunk = c.groupIdx;
        int kvh = c.groupIdy;
        int t = c.localIdx;
        int group = heads / kvHeads;
        int qAbs = step.get(Step.START);
        int prefix = step.get(Step.PREFIX);
        int lo = TornadoAttention.firstVisible(qAbs, prefix, window);
        int hi = TornadoMath.min(TornadoAttention.endVisible(qAbs, prefix), qAbs + 1);
        int k0 = chunk * SPLIT_KEYS;
        boolean live = k0 < hi && k0 + SPLIT_KEYS > lo;
        int kvStride = kvHeads * headDim;
        float[] qs = c.allocateFloatLocalArray(groupDim);
        float[] ks = c.allocateFloatLocalArray(SPLIT_KEYS * Tiles.ATT_MAX_HEAD_DIM);
        float[] sc = c.allocateFloatLocalArray(Tiles.SPLIT_MAX_GROUP * SPLIT_KEYS);
        float[] ml = c.allocateFloatLocalArray(2 * Tiles.SPLIT_MAX_GROUP);
        for (int i = t; i < group * headDim; i += ROW_GROUP) {
            qs[i] = live ? q.get(kvh * group * headDim + i) : 0f;
        }
        for (int i = t; i < SPLIT_KEYS * headDim; i += ROW_GROUP) {
            int key = k0 + i / headDim;
            ks[i] = live && key < hi ? k.get(key * kvStride + kvh * headDim + i % headDim) : 0f;
        }
        c.localBarrier();
        for (int i = t; i < group * SPLIT_KEYS; i += ROW_GROUP) {
            int g = i / SPLIT_KEYS;
            int j = i % SPLIT_KEYS;
            int key = k0 + j;
            float s = NEG;
            if (live && key >= lo && key < hi) {
                float dot = 0f;
                for (int d = 0; d < headDim; d++) {
                    dot += qs[g * headDim + d] * ks[j * headDim + d];
                }
                s = dot * scale;
                if (softcap > 0f) {
                    s = softcap * DeviceMath.tanh(s / softcap);
                }
            }
            sc[i] = s;
        }
        c.localBarrier();
        // The values replace the keys; one item per head turns its scores into exponentials.
        for (int i = t; i < SPLIT_KEYS * headDim; i += ROW_GROUP) {
            int key = k0 + i / headDim;
            ks[i] = live && key < hi ? v.get(key * kvStride + kvh * headDim + i % headDim) : 0f;
        }
        if (t < group) {
            float m = NEG;
            for (int j = 0; j < SPLIT_KEYS; j++) {
                m = TornadoMath.max(m, sc[t * SPLIT_KEYS + j]);
            }
            float l = 0f;
            for (int j = 0; j < SPLIT_KEYS; j++) {
                float s = sc[t * SPLIT_KEYS + j];
                float e = s > NEG ? TornadoMath.exp(s - m) : 0f;
                sc[t * SPLIT_KEYS + j] = e;
                l += e;
            }
            ml[2 * t] = m;
            ml[2 * t + 1] = l;
        }
        c.localBarrier();
        for (int i = t; i < group * headDim; i += ROW_GROUP) {
            int g = i / headDim;
            int d = i % headDim;
            float o = 0f;
            for (int j = 0; j < SPLIT_KEYS; j++) {
                o += sc[g * SPLIT_KEYS + j] * ks[j * headDim + d];
            }
            partOut.set(((kvh * group + g) * chunks + chunk) * headDim + d, o);
        }
        if (t < group) {
            int at = ((kvh * group + t) * chunks + chunk) * 2;
            stats.set(at, ml[2 * t]);
            stats.set(at + 1, ml[2 * t + 1]);
        }
    }

    /**
     * Work-group h merges head h's chunks: {@code Σ_c e^(m_c − M)·o_c / Σ_c e^(m_c − M)·l_c} with M
     * the largest chunk max, over the chunks that can hold visible keys. No barrier: each item owns
     * its output values and reads the statistics itself.
     */
    public static void combine(KernelContext c, FloatArray stats, FloatArray partOut, FloatArray out, IntArray step,
                               int headDim, int chunks) {
        int h = c.groupIdx;
        int t = c.localIdx;
        int live = TornadoMath.min(chunks, step.get(Step.START) / SPLIT_KEYS + 1);
        float m = NEG;
        for (int i = 0; i < live; i++) {
            m = TornadoMath.max(m, stats.get((h * chunks + i) * 2));
        }
        float l = 0f;
        for (int i = 0; i < live; i++) {
            float mi = stats.get((h * chunks + i) * 2);
            if (mi > NEG) {
                l += TornadoMath.exp(mi - m) * stats.get((h * chunks + i) * 2 + 1);
            }
        }
        float inv = 1f / l;
        for (int d = t; d < headDim; d += ROW_GROUP) {
            float o = 0f;
            for (int i = 0; i < live; i++) {
                float mi = stats.get((h * chunks + i) * 2);
                if (mi > NEG) {
                    o += TornadoMath.exp(mi - m) * partOut.get((h * chunks + i) * headDim + d);
                }
            }
            out.set(h * headDim + d, o * inv);
        }
    }
}
