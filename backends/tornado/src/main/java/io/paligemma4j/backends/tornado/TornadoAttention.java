package io.paligemma4j.backends.tornado;

import static io.paligemma4j.backends.tornado.Tiles.ATT_KEYS;
import static io.paligemma4j.backends.tornado.Tiles.ATT_MAX_HEAD_DIM;
import static io.paligemma4j.backends.tornado.Tiles.ATT_QUERIES;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Flash-style attention: online softmax over KV tiles, no score matrix. Contract as the
 * reference's ({@link io.paligemma4j.kernels.ref.Attention}): q and out are [nq, heads·headDim]
 * with query row i at position {@code step[START] + i}; k and v are [positions, kvHeads·headDim]
 * holding keys [0, START + nq); the prefix-LM mask lets rows below {@code step[PREFIX]} see the
 * whole prefix; Gemma 2 soft-caps the scaled logits and windows the local layers.
 *
 * <p>Grid: y = kv head, x = blocks of ATT_QUERIES (query, head) pairs of that kv head, so the heads
 * sharing a kv head (MQA/GQA) share every K/V tile the group stages in local memory. Each
 * work-item accumulates its output row in {@code out} (it alone writes it), rescaling once per tile.
 * {@code maxKeys} is the positions the K/V arrays hold (the engine's capacity).
 */
public final class TornadoAttention {
    /** Below any real logit; exp(NEG − m) is 0 without the Inf arithmetic fast-math would reject. */
    private static final float NEG = -3.0e38f;

    private TornadoAttention() {}

    public static void attention(KernelContext c, FloatArray q, FloatArray k, FloatArray v, FloatArray out,
                                 IntArray step, int heads, int kvHeads, int headDim, float scale, float softcap,
                                 int window, int maxKeys) {
        int nq = step.get(Step.ROWS);
        int start = step.get(Step.START);
        int prefix = step.get(Step.PREFIX);
        int group = heads / kvHeads;
        int pairs = nq * group;
        int p0 = c.groupIdx * ATT_QUERIES;
        boolean groupLive = p0 < pairs;
        int kvh = c.groupIdy;
        int t = c.localIdx;
        int p = p0 + t;
        boolean active = p < pairs;
        int qi = (active ? p : pairs - 1) / group;
        int h = kvh * group + (active ? p : pairs - 1) % group;
        int qAbs = start + qi;
        int qStride = heads * headDim;
        int kvStride = kvHeads * headDim;
        int qBase = qi * qStride + h * headDim;

        // Visible keys form one range per query, monotone in the query: the block's union is
        // [first(first query), end(last query)).
        int lastPair = p0 + ATT_QUERIES - 1 < pairs ? p0 + ATT_QUERIES - 1 : pairs - 1;
        lastPair = lastPair < p0 ? p0 : lastPair;
        int lo = firstVisible(start + p0 / group, prefix, window);
        int nKv = start + nq;
        int hi = TornadoMath.min(endVisible(start + lastPair / group, prefix), nKv);
        int myLo = firstVisible(qAbs, prefix, window);
        int myHi = TornadoMath.min(endVisible(qAbs, prefix), nKv);

        float[] ks = c.allocateFloatLocalArray(ATT_KEYS * ATT_MAX_HEAD_DIM);
        float[] vs = c.allocateFloatLocalArray(ATT_KEYS * ATT_MAX_HEAD_DIM);
        float[] sc = c.allocateFloatLocalArray(ATT_QUERIES * ATT_KEYS);
        if (active) {
            for (int d = 0; d < headDim; d++) {
                out.set(qBase + d, 0f);
            }
        }
        float m = NEG;
        float l = 0f;
        // A constant tile count (all positions): barriers must not depend on loaded values (see
        // Tiles); tiles outside the group's visible range load and compute nothing.
        for (int kt = 0; kt < maxKeys; kt += ATT_KEYS) {
            boolean tileLive = groupLive && kt + ATT_KEYS > lo && kt < hi;
            for (int idx = t; idx < ATT_KEYS * headDim; idx += ATT_QUERIES) {
                int key = kt + idx / headDim;
                int d = idx % headDim;
                float kv = 0f;
                float vv = 0f;
                if (tileLive && key < hi) {
                    kv = k.get(key * kvStride + kvh * headDim + d);
                    vv = v.get(key * kvStride + kvh * headDim + d);
                }
                ks[idx] = kv;
                vs[idx] = vv;
            }
            c.localBarrier();
            if (tileLive && active) {
                float tileMax = NEG;
                for (int j = 0; j < ATT_KEYS; j++) {
                    int key = kt + j;
                    float s = NEG;
                    if (key >= myLo && key < myHi) {
                        float dot = 0f;
                        for (int d = 0; d < headDim; d++) {
                            dot += q.get(qBase + d) * ks[j * headDim + d];
                        }
                        s = dot * scale;
                        if (softcap > 0f) {
                            s = softcap * DeviceMath.tanh(s / softcap);
                        }
                        tileMax = TornadoMath.max(tileMax, s);
                    }
                    sc[t * ATT_KEYS + j] = s;
                }
                if (tileMax > NEG) {
                    float mNew = TornadoMath.max(m, tileMax);
                    float corr = TornadoMath.exp(m - mNew);
                    l *= corr;
                    for (int j = 0; j < ATT_KEYS; j++) {
                        float s = sc[t * ATT_KEYS + j];
                        float e = s > NEG ? TornadoMath.exp(s - mNew) : 0f;
                        sc[t * ATT_KEYS + j] = e;
                        l += e;
                    }
                    for (int d = 0; d < headDim; d++) {
                        float o = out.get(qBase + d) * corr;
                        for (int j = 0; j < ATT_KEYS; j++) {
                            o += sc[t * ATT_KEYS + j] * vs[j * headDim + d];
                        }
                        out.set(qBase + d, o);
                    }
                    m = mNew;
                }
            }
            c.localBarrier();
        }
        if (active) {
            float inv = 1f / l;
            for (int d = 0; d < headDim; d++) {
                out.set(qBase + d, out.get(qBase + d) * inv);
            }
        }
    }

    /** Same rule as {@code AttentionShape.firstVisible}. */
    static int firstVisible(int q, int prefix, int window) {
        if (q < prefix || window == 0) {
            return 0;
        }
        int f = q - window + 1;
        return f > 0 ? f : 0;
    }

    /** Same rule as {@code AttentionShape.endVisible}, before clipping to the keys present. */
    static int endVisible(int q, int prefix) {
        return q < prefix ? prefix : q + 1;
    }
}
