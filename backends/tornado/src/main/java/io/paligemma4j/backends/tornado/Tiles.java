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
    /** Work-items per GEMV work-group and per row in the norms (a power of two). */
    public static final int ROW_GROUP = 128;
    /**
     * Output columns per GEMV work-group (four named accumulators in the kernels): they share each
     * x value and a fused norm's statistics, which every group recomputes.
     */
    public static final int GEMV_COLS = 4;
    /** Query (query, head) pairs per attention work-group, and keys per KV tile. */
    public static final int ATT_QUERIES = 16;
    public static final int ATT_KEYS = 16;
    /** Keys per work-group of decode's split-K attention: 16 KB of local keys at head size 256. */
    public static final int SPLIT_KEYS = 16;
    /** Most query heads per kv head split-K attention stages (PaliGemma: 8 under MQA, PaliGemma 2: 2). */
    public static final int SPLIT_MAX_GROUP = 16;
    /** Largest head size the attention kernels' local K/V tiles hold (Gemma: 256, SigLIP: 72). */
    public static final int ATT_MAX_HEAD_DIM = 256;
    /** Work-items per group for element-wise kernels. */
    public static final int ELEMENTWISE = 128;

    private Tiles() {}

    /** The largest work-group any kernel launches (GEMV, norms, split attention: ROW_GROUP; GEMM: 32 × 4). */
    public static final int MAX_GROUP = Math.max(ROW_GROUP, GEMM_TILE * GEMM_ROW_THREADS);

    /**
     * The most local memory a kernel allocates, in bytes, for {@code group} query heads per kv head:
     * flash attention's K and V tiles and scores, split attention's queries, keys, scores and
     * statistics, the GEMM's two tiles, the gate/up GEMV's partial sums.
     */
    public static long localBytes(int group) {
        long flash = 2L * ATT_KEYS * ATT_MAX_HEAD_DIM + (long) ATT_QUERIES * ATT_KEYS;
        long split = (long) group * ATT_MAX_HEAD_DIM + (long) SPLIT_KEYS * ATT_MAX_HEAD_DIM
                + (long) SPLIT_MAX_GROUP * SPLIT_KEYS + 2L * SPLIT_MAX_GROUP;
        long gemm = 2L * GEMM_TILE * GEMM_STRIDE;
        long gemv = 2L * GEMV_COLS * ROW_GROUP;
        return Float.BYTES * Math.max(Math.max(flash, split), Math.max(gemm, gemv));
    }

    public static int roundUp(long n, int multiple) {
        long r = (n + multiple - 1) / multiple * multiple;
        if (r > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("launch of " + n + " work-items is too large");
        }
        return (int) Math.max(multiple, r);
    }
}
