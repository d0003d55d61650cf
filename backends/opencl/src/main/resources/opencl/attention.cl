// Scaled dot-product attention under the prefix-LM mask (contract: io.paligemma4j.kernels.ref.Attention),
// split over the keys so that even one query under MQA fills a large GPU:
//  - attention_part: one work-group of WG items per (query, head, chunk of keys). Keys go by in
//    tiles of WG, one score per work-item (q staged in local memory), with an online softmax; the
//    chunk's running maximum m, normaliser l and unnormalised output go to scratch.
//  - attention_combine: one work-item per (query, head, output element) merges the chunks.
// Pass row i is query position pos0 + i; k and v hold keys [0, nKv), [kvRows, kvHeads·headDim].
// The mask: a query in the prefix sees the whole prefix and itself; a later one sees keys up to
// itself, and with a window w only the last w of them.

inline int first_visible(int pos, int prefix, int window) {
    return (pos < prefix || window == 0) ? 0 : max(0, pos - window + 1);
}

inline int end_visible(int pos, int prefix, int nKv) {
    return min(nKv, pos < prefix ? max(prefix, pos + 1) : pos + 1);
}

/** Below any real logit; exp(NEG − m) is 0. */
#define NEG (-3.0e38f)

__kernel void attention_part(__global const float* q, __global const float* k, __global const float* v,
                             __global float* partAcc, __global float* partML, int heads, int kvHeads, int headDim,
                             float scale, float softcap, int window, int pos0, int prefix, int nKv, int chunk,
                             int chunks) {
    __local float qs[MAX_HEAD_DIM];
    __local float p[WG];
    __local float red[WG];
    int t = get_local_id(0);
    int g = get_group_id(0);
    int c = g % chunks;
    int qh = g / chunks;
    int h = qh % heads;
    int qi = qh / heads;
    int kvh = h / (heads / kvHeads);
    int pos = pos0 + qi;
    int lo = max(first_visible(pos, prefix, window), c * chunk);
    int hi = min(end_visible(pos, prefix, nKv), (c + 1) * chunk);
    int qStride = heads * headDim;
    int kvStride = kvHeads * headDim;
    for (int d = t; d < headDim; d += WG) {
        qs[d] = q[(long) qi * qStride + h * headDim + d];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    float m = NEG;
    float l = 0.0f;
    // Each item owns output elements t, t + WG, ... (at most MAX_HEAD_DIM / WG of them).
    float acc[MAX_HEAD_DIM / WG + 1];
    for (int j = 0; j < MAX_HEAD_DIM / WG + 1; j++) {
        acc[j] = 0.0f;
    }
    // Every item runs the same trip count (the range is uniform per work-group).
    for (int k0 = lo; k0 < hi; k0 += WG) {
        int key = k0 + t;
        float s = NEG;
        if (key < hi) {
            __global const float* kr = k + (long) key * kvStride + kvh * headDim;
            float dot = 0.0f;
            for (int d = 0; d < headDim; d++) {
                dot += qs[d] * kr[d];
            }
            s = dot * scale;
            if (softcap > 0.0f) {
                s = softcap * tanh(s / softcap);
            }
        }
        float tileMax = group_max(red, s, WG);
        float mNew = fmax(m, tileMax);
        float pj = key < hi ? exp(s - mNew) : 0.0f;
        p[t] = pj;
        float tileSum = group_sum(red, pj, WG);
        float corr = exp(m - mNew);
        l = l * corr + tileSum;
        int n = min(WG, hi - k0);
        for (int j = 0, d = t; d < headDim; j++, d += WG) {
            float a = acc[j] * corr;
            for (int kk = 0; kk < n; kk++) {
                a += p[kk] * v[(long) (k0 + kk) * kvStride + kvh * headDim + d];
            }
            acc[j] = a;
        }
        m = mNew;
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    long slot = (long) qh * chunks + c;
    for (int j = 0, d = t; d < headDim; j++, d += WG) {
        partAcc[slot * headDim + d] = acc[j];
    }
    if (t == 0) {
        partML[2 * slot] = m;
        partML[2 * slot + 1] = l;
    }
}

__kernel void attention_combine(__global const float* partAcc, __global const float* partML, __global float* out,
                                int rows, int heads, int headDim, int chunks) {
    long id = get_global_id(0);
    if (id >= (long) rows * heads * headDim) {
        return;
    }
    int d = id % headDim;
    long qh = id / headDim;
    float mMax = NEG;
    for (int c = 0; c < chunks; c++) {
        mMax = fmax(mMax, partML[2 * (qh * chunks + c)]);
    }
    float l = 0.0f;
    float o = 0.0f;
    for (int c = 0; c < chunks; c++) {
        long slot = qh * chunks + c;
        float w = exp(partML[2 * slot] - mMax);
        l += partML[2 * slot + 1] * w;
        o += partAcc[slot * headDim + d] * w;
    }
    // q and out share a layout: [rows, heads·headDim], so (query, head, d) is id itself.
    out[id] = o / l;
}
