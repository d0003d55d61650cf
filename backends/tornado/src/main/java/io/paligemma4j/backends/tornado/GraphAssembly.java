package io.paligemma4j.backends.tornado;

import static uk.ac.manchester.tornado.api.enums.DataTransferMode.EVERY_EXECUTION;
import static uk.ac.manchester.tornado.api.enums.DataTransferMode.FIRST_EXECUTION;
import static uk.ac.manchester.tornado.api.enums.DataTransferMode.UNDER_DEMAND;

import io.paligemma4j.runtime.forward.Program;
import io.paligemma4j.runtime.forward.Stage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

/**
 * Turns recorded stages into task graphs with their data movement declared. TornadoVM keeps a
 * device copy per graph and, when a graph runs, rebinds an object it consumes from the graph that
 * ran just before it, if that graph is named as a source; a consumed object must already be bound
 * when the graph first runs. So each graph G either consumes an object, from every graph that can
 * run just before it and holds it, when the graph before G's first run holds it; or else owns it:
 * <ul>
 *   <li>a constant (weights, tables) is copied in at the first run;</li>
 *   <li>state (activations, the KV cache) is allocated at the first run, by exactly one graph;</li>
 *   <li>a host input is uploaded every run;</li>
 *   <li>scratch (written and read within one run) is always the graph's own.</li>
 * </ul>
 * A graph persists what a graph that can follow consumes; an output also goes to the host every
 * run, an on-demand output only when the host asks the run's result for it.
 *
 * <p>The first runs follow a binding order ({@link Order}): run once, in that order, before any
 * real pass, it hands every shared buffer to every graph that needs it, including the decode
 * graphs, which in real runs only follow each other and the head.
 */
final class GraphAssembly {
    /** How a graph holds an object. */
    enum Kind { CONST, STATE, INPUT, OUTPUT, ON_DEMAND, SCRATCH }

    /**
     * Which graphs can run just before each graph (in real runs and in the binding order), the graph
     * before each one's first run, and the binding order itself (graphs first run in it).
     */
    record Order(Map<String, Set<String>> before, Map<String, String> first, List<String> binding) {}

    /** One stage being recorded: its objects in first-use order, and its tasks. */
    static final class Recording {
        final Stage<?> stage;
        final String name;
        final TornadoOps.Mode mode;
        /** Decode and head recordings capture their ops first, for {@link Fusion}. */
        final boolean capturing;
        final List<Fusion.Op> ops = new ArrayList<>();
        final Map<Object, Kind> objects = new IdentityHashMap<>();
        final List<Object> order = new ArrayList<>();
        final List<Consumer<TaskGraph>> tasks = new ArrayList<>();
        private int taskCount;

        Recording(Stage<?> stage, String name, TornadoOps.Mode mode) {
            this.stage = stage;
            this.name = name;
            this.mode = mode;
            this.capturing = mode == TornadoOps.Mode.DECODE || mode == TornadoOps.Mode.HEAD;
        }

        String name() {
            return name;
        }

        /** Kernel launches one run of the graph makes. */
        int launches() {
            return taskCount;
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

    /** Constants this large (any weight) must have one device copy; small tables may have one per graph. */
    private static final long SHARED_CONST_BYTES = 64 * 1024;

    private GraphAssembly() {}

    private static long bytes(Object o) {
        return o instanceof TornadoNativeArray a ? a.getNumBytesOfSegment() : 0;
    }

    /** The graphs, in {@code recordings} order. */
    static List<TaskGraph> assemble(List<Recording> recordings, Order order) {
        Map<String, Recording> byName = new LinkedHashMap<>();
        for (Recording r : recordings) {
            byName.put(r.name(), r);
        }
        // Which objects each graph consumes (the rest it owns).
        Map<String, Set<Object>> consumes = new LinkedHashMap<>();
        Map<Object, String> allocatedBy = new IdentityHashMap<>();
        for (Recording r : recordings) {
            Set<Object> c = Collections.newSetFromMap(new IdentityHashMap<>());
            String first = order.first().get(r.name());
            Recording prev = first == null ? null : byName.get(first);
            for (Object o : r.order) {
                Kind kind = r.objects.get(o);
                if (kind != Kind.SCRATCH && prev != null && prev.objects.containsKey(o) && prev.objects.get(o) != Kind.SCRATCH) {
                    c.add(o);
                } else if (kind == Kind.STATE || kind == Kind.CONST && bytes(o) >= SHARED_CONST_BYTES) {
                    // State must be one buffer; a weight must not be uploaded twice.
                    String other = allocatedBy.putIfAbsent(o, r.name());
                    if (other != null) {
                        throw new IllegalStateException("graphs " + other + " and " + r.name()
                                + " would each hold their own copy of one " + kind + " array");
                    }
                }
            }
            consumes.put(r.name(), c);
        }
        List<TaskGraph> graphs = new ArrayList<>();
        for (Recording r : recordings) {
            TaskGraph g = new TaskGraph(r.name());
            Set<String> preds = order.before().getOrDefault(r.name(), Set.of());
            Set<Object> consumed = consumes.get(r.name());
            List<Object> persist = new ArrayList<>();
            List<Object> toHost = new ArrayList<>();
            List<Object> onDemand = new ArrayList<>();
            for (Object o : r.order) {
                Kind kind = r.objects.get(o);
                if (consumed.contains(o)) {
                    for (String p : preds) {
                        if (byName.get(p).objects.containsKey(o)) {
                            g.consumeFromDevice(p, o);
                        }
                    }
                } else {
                    g.transferToDevice(kind == Kind.INPUT ? EVERY_EXECUTION : FIRST_EXECUTION, o);
                }
                if (kind == Kind.OUTPUT) {
                    toHost.add(o);
                } else if (kind == Kind.ON_DEMAND) {
                    onDemand.add(o);
                }
                if (consumedAfter(r.name(), o, order, consumes)) {
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

    private static boolean consumedAfter(String name, Object o, Order order, Map<String, Set<Object>> consumes) {
        for (Map.Entry<String, Set<String>> e : order.before().entrySet()) {
            if (e.getValue().contains(name) && consumes.get(e.getKey()).contains(o)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The orders of {@link Program}'s passes over graphs named by {@code prefillName} (the vision
     * tower, a prefill, the head) and {@code decodeName} (a decode step's stages). Real runs: the
     * vision chain; a prefill then the head; a decode step then the head; a decode step or a new
     * prefill after the head. Binding order: the prefill's first two stages (image, embedding), the
     * head (so a tied LM head shares the embedding's table), the prefill from its embedding on, the
     * head, the decode step's embedding, then each decode stage right after its prefill twin.
     */
    static Order order(Program<?> p, Function<Stage<?>, String> prefillName, Function<Stage<?>, String> decodeName) {
        Map<String, Set<String>> before = new LinkedHashMap<>();
        Map<String, String> first = new LinkedHashMap<>();
        List<String> vision = p.vision().stream().map(prefillName::apply).toList();
        for (int i = 1; i < vision.size(); i++) {
            link(before, vision.get(i - 1), vision.get(i));
            first.put(vision.get(i), vision.get(i - 1));
        }
        List<String> prefill = new ArrayList<>(p.prefill().stream().map(prefillName::apply).toList());
        List<String> decode = new ArrayList<>(p.decode().stream().map(decodeName::apply).toList());
        String head = prefillName.apply(p.logits());
        chain(before, prefill, head);
        chain(before, decode, head);
        link(before, head, decode.getFirst());
        List<String> binding = new ArrayList<>(prefill.subList(0, 2));
        binding.add(head);
        binding.addAll(prefill.subList(1, prefill.size()));
        binding.add(head);
        binding.add(decode.getFirst());
        for (Stage<?> s : p.decode().subList(1, p.decode().size())) {
            binding.add(prefillName.apply(s));
            binding.add(decodeName.apply(s));
        }
        for (int i = 1; i < binding.size(); i++) {
            link(before, binding.get(i - 1), binding.get(i));
            first.putIfAbsent(binding.get(i), binding.get(i - 1));
        }
        return new Order(before, first, List.copyOf(binding));
    }

    private static void chain(Map<String, Set<String>> before, List<String> names, String last) {
        List<String> all = new ArrayList<>(names);
        all.add(last);
        for (int i = 1; i < all.size(); i++) {
            link(before, all.get(i - 1), all.get(i));
        }
    }

    private static void link(Map<String, Set<String>> before, String from, String to) {
        if (!from.equals(to)) {
            before.computeIfAbsent(to, k -> new LinkedHashSet<>()).add(from);
        }
    }
}
