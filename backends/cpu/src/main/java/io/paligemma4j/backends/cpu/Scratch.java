package io.paligemma4j.backends.cpu;

/**
 * Per-thread float scratch for the kernels' loop bodies, grown on demand and reused, so a prefill
 * does not turn every GEMM and attention call into megabytes of garbage (which G1 answered by
 * growing the young generation, and the process's RSS with it). A slot is valid only inside one
 * loop body: bodies never nest on a thread, since they fork and join nothing.
 */
final class Scratch {
    static final int PACK_W = 0, PACK_U = 1, ACC_G = 2, ACC_U = 3, BIAS = 4, KEYS_T = 5, SCORES = 6, QUERY = 7, ROW = 8,
            VALUES = 9, ROW_MAX = 10, ROW_SUM = 11, NORM_W = 12, NORM_B = 13, ACT = 14, TMP = 15, LANES = 16,
            F16_EVEN = 17, F16_ODD = 18, F16_ACC = 19;
    private static final int SLOTS = 20;
    /** Attention's accumulators share the GEMM's slot: no loop body runs both. */
    static final int ATTN_ACC = ACC_G;

    private static final ThreadLocal<float[][]> ARRAYS = ThreadLocal.withInitial(() -> new float[SLOTS][0]);

    private Scratch() {}

    /** At least {@code n} floats for {@code slot}, contents unspecified. */
    static float[] floats(int slot, int n) {
        float[][] a = ARRAYS.get();
        if (a[slot].length < n) {
            a[slot] = new float[n];
        }
        return a[slot];
    }
}
