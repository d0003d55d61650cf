// Glue ops (contracts: io.paligemma4j.kernels.ref.Elementwise) and the greedy pick.

/** acc += x over n values. */
__kernel void add(__global float* acc, __global const float* x, long n) {
    long i = get_global_id(0);
    if (i < n) {
        acc[i] += x[i];
    }
}

/** True when pick (ov, oi) beats (v, i): a number, and larger, or equal with a lower index. */
inline bool pick_beats(float ov, int oi, float v, int i) {
    return oi >= 0 && (i < 0 || ov > v || (ov == v && oi < i));
}

/** Merges every item's pick (v, i) over the work-group into bv[0], bi[0]. */
inline void pick_merge(__local float* bv, __local int* bi, float v, int i) {
    int t = get_local_id(0);
    bv[t] = v;
    bi[t] = i;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int span = WG / 2; span > 0; span >>= 1) {
        if (t < span && pick_beats(bv[t + span], bi[t + span], bv[t], bi[t])) {
            bv[t] = bv[t + span];
            bi[t] = bi[t + span];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

/**
 * Greedy pick, first of two passes: work-group g scans its share of x[0, n) and leaves the largest
 * value and its index (the lowest index among equals; NaN never wins; -1 when it saw no number).
 */
__kernel void argmax_part(__global const float* x, int n, __global float* partV, __global int* partI) {
    __local float bv[WG];
    __local int bi[WG];
    int t = get_local_id(0);
    int g = get_group_id(0);
    int stride = get_num_groups(0) * WG;
    float v = -INFINITY;
    int i = -1;
    for (int k = g * WG + t; k < n; k += stride) {
        float e = x[k];
        if (e > v || (i < 0 && e == v)) {
            v = e;
            i = k;
        }
    }
    pick_merge(bv, bi, v, i);
    if (t == 0) {
        partV[g] = bv[0];
        partI[g] = bi[0];
    }
}

/** Second pass: one work-group merges the groups' picks into result[0] by the same rule. */
__kernel void argmax_final(__global const float* partV, __global const int* partI, int groups, __global int* result) {
    __local float bv[WG];
    __local int bi[WG];
    int t = get_local_id(0);
    float v = -INFINITY;
    int i = -1;
    for (int k = t; k < groups; k += WG) {
        if (pick_beats(partV[k], partI[k], v, i)) {
            v = partV[k];
            i = partI[k];
        }
    }
    pick_merge(bv, bi, v, i);
    if (t == 0) {
        result[0] = bi[0];
    }
}

/** x = cap·tanh(x/cap) over n values. */
__kernel void softcap(__global float* x, long n, float cap) {
    long i = get_global_id(0);
    if (i < n) {
        x[i] = cap * tanh(x[i] / cap);
    }
}
