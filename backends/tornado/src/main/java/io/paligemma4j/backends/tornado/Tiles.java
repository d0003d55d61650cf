package io.paligemma4j.backends.tornado;

/**
 * Work-group shapes shared by the kernels (which size their local memory from them) and the grid
 * scheduler (which launches them). One place, so the two cannot disagree.
 *
 * <p>Rule for every kernel with barriers: no barrier under control flow that depends on loaded
 * data (an early return on the row count, a loop whose trip count comes from the step array).
 * PoCL mis-runs such barriers (work-items after the first read stale local memory); idle work is
 * switched off by guards around barrier-free code instead, and barrier loops count to constants.
 */
public final class Tiles {
    /** GEMM output tile edge (rows and columns) and k-step. */
    public static final int GEMM_TILE = 32;
    /** GEMM rows per work-item (eight named accumulators in the kernel): a work-group is GEMM_TILE × (GEMM_TILE / GEMM_WPT) items. */
    public static final int GEMM_WPT = 8;
    public static final int GEMM_ROW_THREADS = GEMM_TILE / GEMM_WPT;
    /** Padded local-tile stride: avoids bank conflicts on the k-major reads. */
    public static final int GEMM_STRIDE = GEMM_TILE + 1;
    /** Work-items per output row in GEMV and per row in the norms (a power of two). */
    public static final int ROW_GROUP = 128;
    /** Query (query, head) pairs per attention work-group, and keys per KV tile. */
    public static final int ATT_QUERIES = 16;
    public static final int ATT_KEYS = 16;
    /** Largest head size the attention kernel's local K/V tiles hold (Gemma: 256, SigLIP: 72). */
    public static final int ATT_MAX_HEAD_DIM = 256;
    /** Work-items per group for element-wise kernels. */
    public static final int ELEMENTWISE = 128;

    private Tiles() {}

    public static int roundUp(long n, int multiple) {
        long r = (n + multiple - 1) / multiple * multiple;
        if (r > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("launch of " + n + " work-items is too large");
        }
        return (int) Math.max(multiple, r);
    }
}
