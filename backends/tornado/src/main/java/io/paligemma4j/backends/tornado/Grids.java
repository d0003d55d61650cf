package io.paligemma4j.backends.tornado;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.WorkerGrid2D;
import uk.ac.manchester.tornado.api.enums.TornadoVMBackendType;

/**
 * Launch shapes for every kernel family, and the one place grid-scheduler keys
 * ({@code "graph.task"}) are formed.
 *
 * <p>Prefill grids follow the row count: TornadoVM reads a WorkerGrid's global size at every
 * launch, so {@link #resize} sets each to the rows of the coming prefill before it runs, which
 * launches only the row tiles it has. One-row graphs (decode, the head) have fixed grids.
 */
public final class Grids {
    /**
     * OpenCL build options: TornadoVM's default adds {@code -cl-fast-relaxed-math -cl-mad-enable},
     * which lets exp/tanh lose their ulp bounds and assume no Inf/NaN; the parity tolerances rest
     * on the IEEE behaviour, so the plan asks for none of that.
     */
    public static final String OPENCL_FLAGS = "-w";

    private final GridScheduler scheduler = new GridScheduler();
    private final List<Dynamic> dynamic = new ArrayList<>();

    /** A grid whose global size is recomputed from the row count of each pass. */
    private record Dynamic(WorkerGrid grid, IntFunction<long[]> size) {}

    public static String key(String graph, String task) {
        return graph + "." + task;
    }


    /** Applies the grid and the compiler options to a plan. */
    public TornadoExecutionPlan configure(TornadoExecutionPlan plan) {
        return plan.withGridScheduler(scheduler).withCompilerFlags(TornadoVMBackendType.OPENCL, OPENCL_FLAGS);
    }

    private void put(String graph, String task, WorkerGrid g) {
        scheduler.addWorkerGrid(key(graph, task), g);
    }

    /** Sets every row-dependent grid for a pass over {@code rows} rows. */
    public void resize(int rows) {
        for (Dynamic d : dynamic) {
            long[] g = d.size().apply(rows);
            d.grid().setGlobalWork(g[0], g[1], 1);
        }
    }

    private void follow(String graph, String task, WorkerGrid g, IntFunction<long[]> size) {
        put(graph, task, g);
        dynamic.add(new Dynamic(g, size));
    }

    /** Row-following GEMM: the row tiles present. */
    public void gemmRows(String graph, String task, int capacity, int cols) {
        gemm(graph, task, capacity, cols);
        WorkerGrid g = scheduler.get(key(graph, task));
        follow(graph, task, g, rows -> new long[] {Tiles.roundUp(cols, Tiles.GEMM_TILE),
                Tiles.roundUp(rows, Tiles.GEMM_TILE) / Tiles.GEMM_WPT});
    }

    /** Row-following norm: one work-group per row present. */
    public void perRowRows(String graph, String task, int capacity) {
        perRow(graph, task, capacity);
        WorkerGrid g = scheduler.get(key(graph, task));
        follow(graph, task, g, rows -> new long[] {(long) rows * Tiles.ROW_GROUP, 1});
    }

    /** Row-following element-wise launch over rows × perRow items. */
    public void elementwiseRows(String graph, String task, int capacity, long perRow) {
        elementwise(graph, task, capacity * perRow);
        WorkerGrid g = scheduler.get(key(graph, task));
        follow(graph, task, g, rows -> new long[] {Tiles.roundUp(rows * perRow, Tiles.ELEMENTWISE), 1});
    }

    /** Row-following attention: the query blocks present. */
    public void attentionRows(String graph, String task, int capacity, int heads, int kvHeads) {
        attention(graph, task, capacity, heads, kvHeads);
        WorkerGrid g = scheduler.get(key(graph, task));
        int group = heads / kvHeads;
        follow(graph, task, g, rows -> new long[] {Tiles.roundUp((long) rows * group, Tiles.ATT_QUERIES), kvHeads});
    }

    /** Split-K decode attention: x = key chunks of ROW_GROUP items, y = kv heads. */
    public void splitAttention(String graph, String task, int chunks, int kvHeads) {
        WorkerGrid g = new WorkerGrid2D(chunks * Tiles.ROW_GROUP, kvHeads);
        g.setLocalWork(Tiles.ROW_GROUP, 1, 1);
        put(graph, task, g);
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


    /** GEMV over {@code cols} output columns: one ROW_GROUP work-group per GEMV_COLS of them. */
    public void gemv(String graph, String task, int cols) {
        perRow(graph, task, (cols + Tiles.GEMV_COLS - 1) / Tiles.GEMV_COLS);
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
