package io.paligemma4j.backends.tornado;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;

/** Runs one kernel as a one-task graph on the default TornadoVM device. */
final class DeviceRun {
    static final String TASK = "k";
    private static final AtomicInteger SEQ = new AtomicInteger();

    private DeviceRun() {}

    /**
     * @param task adds the task named {@link #TASK} to the graph
     * @param grid registers its launch shape under (graph, TASK)
     */
    static void run(Consumer<TaskGraph> task, GridSpec grid, Object[] inputs, Object... outputs) {
        String name = "parity" + SEQ.incrementAndGet();
        TaskGraph g = new TaskGraph(name).transferToDevice(DataTransferMode.EVERY_EXECUTION, inputs);
        task.accept(g);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, outputs);
        Grids grids = new Grids();
        grid.register(grids, name);
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(g.snapshot())) {
            grids.configure(plan).execute();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    interface GridSpec {
        void register(Grids grids, String graph);
    }

    static Object[] in(Object... objects) {
        return objects;
    }
}
