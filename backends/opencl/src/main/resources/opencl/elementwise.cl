// Glue ops (contracts: io.paligemma4j.kernels.ref.Elementwise) and the greedy pick.

/** acc += x over n values. */
__kernel void add(__global float* acc, __global const float* x, long n) {
    long i = get_global_id(0);
    if (i < n) {
        acc[i] += x[i];
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
    bv[t] = v;
    bi[t] = i;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int span = WG / 2; span > 0; span >>= 1) {
        if (t < span) {
            float ov = bv[t + span];
            int oi = bi[t + span];
            if (oi >= 0 && (bi[t] < 0 || ov > bv[t] || (ov == bv[t] && oi < bi[t]))) {
                bv[t] = ov;
                bi[t] = oi;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
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
        int oi = partI[k];
        float ov = partV[k];
        if (oi >= 0 && (i < 0 || ov > v || (ov == v && oi < i))) {
            v = ov;
            i = oi;
        }
    }
    bv[t] = v;
    bi[t] = i;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int span = WG / 2; span > 0; span >>= 1) {
        if (t < span) {
            float ov = bv[t + span];
            int oi = bi[t + span];
            if (oi >= 0 && (bi[t] < 0 || ov > bv[t] || (ov == bv[t] && oi < bi[t]))) {
                bv[t] = ov;
                bi[t] = oi;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
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
