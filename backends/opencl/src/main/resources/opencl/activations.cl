// Pointwise activations (contracts: io.paligemma4j.kernels.ref.Activations).

/** GELU-tanh in place over n values. */
__kernel void gelu_tanh(__global float* x, long n) {
    long i = get_global_id(0);
    if (i < n) {
        x[i] = gelu(x[i]);
    }
}
