package io.paligemma4j.backends.tornado;

import static uk.ac.manchester.tornado.api.enums.DataTransferMode.EVERY_EXECUTION;
import static uk.ac.manchester.tornado.api.enums.DataTransferMode.FIRST_EXECUTION;
import static uk.ac.manchester.tornado.api.enums.DataTransferMode.UNDER_DEMAND;

import io.paligemma4j.runtime.forward.Program;
import io.paligemma4j.runtime.forward.Stage;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import uk.ac.manchester.tornado.api.TaskGraph;

/**
 * Turns recorded stages into task graphs with their data movement declared. TornadoVM keeps a
 * device copy per graph and, when a graph runs, rebinds an object it consumes from the graph that
 * ran just before it, if that graph is named as a source. So each object is, per graph:
 * <ul>
 *   <li>a constant (weights, tables): copied in at the first run;</li>
 *   <li>state (activations, the KV cache) or a host input: consumed from every graph that can run
 *       just before and holds it; where none does, allocated (state: first run) or uploaded (input:
 *       every run);</li>
 *   <li>persisted when a graph that can follow uses it; an output also goes to the host every run,
 *       an on-demand output only when the host asks the run's result for it.</li>
 * </ul>
 * Which graph can run before which follows from {@link Program}'s run orders. The first stage of
 * the vision tower and of a prefill can run first of all, so they consume nothing.
 */
final class GraphAssembly {
    /** How a graph holds an object. */
    enum Kind { CONST, STATE, INPUT, OUTPUT, ON_DEMAND }

    /** One stage being recorded: its objects in first-use order, and its tasks. */
    static final class Recording {
        final Stage<?> stage;
        final Map<Object, Kind> objects = new IdentityHashMap<>();
        final List<Object> order = new ArrayList<>();
        final List<Consumer<TaskGraph>> tasks = new ArrayList<>();
        private int taskCount;

        Recording(Stage<?> stage) {
            this.stage = stage;
        }

        String name() {
            return stage.name();
        }

        /** A task id unique in this graph: the op's name and its index. */
        String task(String op) {
            return op + taskCount++;
        }

        void use(Kind kind, Object... objs) {
            for (Object o : objs) {
                Kind had = objects.putIfAbsent(o, kind);
                if (had == null) {
                    order.add(o);
                } else if (had != kind) {
                    throw new IllegalStateException("stage " + name() + " uses one object as " + had + " and " + kind);
                }
            }
        }
    }

    private GraphAssembly() {}

    /** The graphs, in {@code recordings} order. */
    static List<TaskGraph> assemble(List<Recording> recordings, Program<?> program) {
        Map<String, Set<String>> before = predecessors(program);
        Map<String, Recording> byName = new LinkedHashMap<>();
        for (Recording r : recordings) {
            byName.put(r.name(), r);
        }
        List<TaskGraph> graphs = new ArrayList<>();
        for (Recording r : recordings) {
            TaskGraph g = new TaskGraph(r.name());
            Set<String> preds = before.getOrDefault(r.name(), Set.of());
            List<Object> persist = new ArrayList<>();
            List<Object> toHost = new ArrayList<>();
            List<Object> onDemand = new ArrayList<>();
            for (Object o : r.order) {
                Kind kind = r.objects.get(o);
                if (kind == Kind.CONST) {
                    g.transferToDevice(FIRST_EXECUTION, o);
                    continue;
                }
                boolean consumed = false;
                for (String p : preds) {
                    if (byName.get(p).objects.containsKey(o)) {
                        g.consumeFromDevice(p, o);
                        consumed = true;
                    }
                }
                if (!consumed) {
                    g.transferToDevice(kind == Kind.INPUT ? EVERY_EXECUTION : FIRST_EXECUTION, o);
                }
                if (kind == Kind.OUTPUT) {
                    toHost.add(o);
                } else if (kind == Kind.ON_DEMAND) {
                    onDemand.add(o);
                }
                if (usedAfter(r.name(), o, before, byName)) {
                    persist.add(o);
                }
            }
            r.tasks.forEach(t -> t.accept(g));
            if (!toHost.isEmpty()) {
                g.transferToHost(EVERY_EXECUTION, toHost.toArray());
            }
            if (!onDemand.isEmpty()) {
                g.transferToHost(UNDER_DEMAND, onDemand.toArray());
            }
            if (!persist.isEmpty()) {
                g.persistOnDevice(persist.toArray());
            }
            graphs.add(g);
        }
        return graphs;
    }

    private static boolean usedAfter(String name, Object o, Map<String, Set<String>> before, Map<String, Recording> byName) {
        for (Map.Entry<String, Set<String>> e : before.entrySet()) {
            if (e.getValue().contains(name) && byName.get(e.getKey()).objects.containsKey(o)) {
                return true;
            }
        }
        return false;
    }

    /** For each stage, the other stages that can run just before it. */
    static Map<String, Set<String>> predecessors(Program<?> p) {
        Map<String, Set<String>> before = new LinkedHashMap<>();
        chain(before, p.vision(), null);
        chain(before, p.prefill(), p.logits());
        chain(before, p.decode(), p.logits());
        // A decode step follows the logits of the step before it.
        link(before, p.logits(), p.decode().getFirst());
        // These can be the first graph the plan runs: they must allocate everything they use.
        before.remove(p.vision().getFirst().name());
        before.remove(p.prefill().getFirst().name());
        return before;
    }

    private static void chain(Map<String, Set<String>> before, List<? extends Stage<?>> stages, Stage<?> last) {
        List<Stage<?>> all = new ArrayList<>(stages);
        if (last != null) {
            all.add(last);
        }
        for (int i = 1; i < all.size(); i++) {
            link(before, all.get(i - 1), all.get(i));
        }
    }

    private static void link(Map<String, Set<String>> before, Stage<?> from, Stage<?> to) {
        if (from != to) {
            before.computeIfAbsent(to.name(), k -> new LinkedHashSet<>()).add(from.name());
        }
    }
}
