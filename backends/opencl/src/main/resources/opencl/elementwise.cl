// Glue ops (contracts: io.paligemma4j.kernels.ref.Elementwise) and the greedy pick.

/** acc += x over n values. */
__kernel void add(__global float* acc, __global const float* x, long n) {
    long i = get_global_id(0);
    if (i < n) {
        acc[i] += x[i];
    }
}

/** x = cap·tanh(x/cap) over n values. */
__kernel void softcap(__global float* x, long n, float cap) {
    long i = get_global_id(0);
    if (i < n) {
        x[i] = cap * tanh(x[i] / cap);
    }
}
