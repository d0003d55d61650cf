package io.paligemma4j.kernels.tornado;

import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.WorkerGrid2D;
import uk.ac.manchester.tornado.api.enums.TornadoVMBackendType;

/**
 * Launch shapes for every kernel family, and the one place grid-scheduler keys
 * ({@code "graph.task"}) are formed.
 */
public final class Grids {
    /**
     * OpenCL build options: TornadoVM's default adds {@code -cl-fast-relaxed-math -cl-mad-enable},
     * which lets exp/tanh lose their ulp bounds and assume no Inf/NaN; the parity tolerances rest
     * on the IEEE behaviour, so the plan asks for none of that.
     */
    public static final String OPENCL_FLAGS = "-w";

    private final GridScheduler scheduler = new GridScheduler();

    public static String key(String graph, String task) {
        return graph + "." + task;
    }

    public GridScheduler scheduler() {
        return scheduler;
    }

    /** Applies the grid and the compiler options to a plan. */
    public TornadoExecutionPlan configure(TornadoExecutionPlan plan) {
        return plan.withGridScheduler(scheduler).withCompilerFlags(TornadoVMBackendType.OPENCL, OPENCL_FLAGS);
    }

    private void put(String graph, String task, WorkerGrid g) {
        scheduler.addWorkerGrid(key(graph, task), g);
    }

    /** Tiled GEMM over up to maxRows rows and cols columns. */
    public void gemm(String graph, String task, int maxRows, int cols) {
        WorkerGrid g = new WorkerGrid2D(Tiles.roundUp(cols, Tiles.GEMM_TILE),
                Tiles.roundUp(maxRows, Tiles.GEMM_TILE) / Tiles.GEMM_WPT);
        g.setLocalWork(Tiles.GEMM_TILE, Tiles.GEMM_ROW_THREADS, 1);
        put(graph, task, g);
    }

    /** One work-group of ROW_GROUP items per unit: GEMV output columns, norm rows. */
    public void perRow(String graph, String task, int units) {
        WorkerGrid g = new WorkerGrid1D(Tiles.roundUp((long) units * Tiles.ROW_GROUP, Tiles.ROW_GROUP));
        g.setLocalWork(Tiles.ROW_GROUP, 1, 1);
        put(graph, task, g);
    }

    /** A single work-group (softmax, argmax). */
    public void single(String graph, String task) {
        perRow(graph, task, 1);
    }

    /** One work-item per element over up to n elements. */
    public void elementwise(String graph, String task, long n) {
        WorkerGrid g = new WorkerGrid1D(Tiles.roundUp(n, Tiles.ELEMENTWISE));
        g.setLocalWork(Tiles.ELEMENTWISE, 1, 1);
        put(graph, task, g);
    }

    /** Attention: x = blocks of (query, head) pairs per kv head, y = kv heads. */
    public void attention(String graph, String task, int maxQueries, int heads, int kvHeads) {
        int pairs = maxQueries * (heads / kvHeads);
        WorkerGrid g = new WorkerGrid2D(Tiles.roundUp(pairs, Tiles.ATT_QUERIES), kvHeads);
        g.setLocalWork(Tiles.ATT_QUERIES, 1, 1);
        put(graph, task, g);
    }
}
