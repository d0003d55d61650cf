package io.paligemma4j.backends.tornado;

import io.paligemma4j.backends.tornado.GraphAssembly.Recording;
import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.PaliGemmaConfig;
import io.paligemma4j.loader.TextConfig;
import io.paligemma4j.loader.VisionConfig;
import io.paligemma4j.runtime.MemoryBudget;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.forward.BufferSpec;
import io.paligemma4j.runtime.forward.LayerOps;
import io.paligemma4j.runtime.forward.Pass;
import io.paligemma4j.runtime.forward.Program;
import io.paligemma4j.runtime.forward.Stage;
import io.paligemma4j.runtime.forward.StageExecutor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import uk.ac.manchester.tornado.api.DataRange;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;
import uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException;
import uk.ac.manchester.tornado.api.exceptions.TornadoOutOfMemoryException;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Runs the forward pass on a TornadoVM device: every stage recorded once by {@link TornadoOps} into
 * a task graph, with its data movement from {@link GraphAssembly}, all in one execution plan built
 * and compiled once; a run binds the pass to the step arrays and launches the stages' graphs.
 * Weights are uploaded once as stored; activations and the KV cache stay on the device.
 */
final class TornadoExecutor implements StageExecutor<TornadoBuffer> {
    /** One device queue: plans from several sessions take turns rather than interleave. */
    private static final ReentrantLock DEVICE = new ReentrantLock();

    private final PaliGemmaModel model;
    private final PaliGemmaConfig config;
    private final int capacity;
    private final PrivateMaps maps;
    private final Grids grids = new Grids();
    private final TornadoOps ops;
    private final Map<String, Integer> graphIndex = new LinkedHashMap<>();
    /** Kernel launches per run of each graph. */
    private final Map<String, Integer> launches = new LinkedHashMap<>();
    /** The program's decode stages, which run as their own graphs. */
    private List<Stage<TornadoBuffer>> decodeStages;
    private final DeviceTimes times = new DeviceTimes();
    private final boolean profiled;
    private long deviceBytes;
    private TornadoExecutionPlan plan;
    private List<String> names = List.of();
    private boolean failed;
    /** The head's output, fetched from the last head run only when read. */
    private TornadoBuffer logitsOut;
    private int headGraph = -1;
    private TornadoExecutionResult lastHead;
    private int current;

    TornadoExecutor(PaliGemmaModel model, int capacity, boolean profiled) {
        this.model = model;
        this.config = model.config();
        this.capacity = capacity;
        this.profiled = profiled;
        // Initialised before any kernel compiles, so TornadoVM folds the backend's maths choice.
        if (DeviceMath.TANH_FROM_EXP) {
            System.getLogger(TornadoExecutor.class.getName()).log(System.Logger.Level.DEBUG, "tanh from exp on this device");
        }
        maps = new PrivateMaps(model.checkpoint());
        ops = new TornadoOps(config, capacity, maps, grids);
    }

    /**
     * Bytes on the device: the weights as stored (once: a prefill graph and its decode twin share
     * them, and a tied LM head shares the embedding's table), the activations, and what the kernels
     * add: the separate up-projection of a prefill's MLP, im2col's patches, the RoPE table, and
     * each decode graph's split-attention partials.
     */
    @Override
    public void checkMemory(List<BufferSpec> buffers) {
        TextConfig tc = config.text();
        VisionConfig vc = config.vision();
        long weights = model.checkpoint().byteSize();
        long chunks = (capacity + Tiles.SPLIT_KEYS - 1) / Tiles.SPLIT_KEYS;
        long extra = (long) capacity * tc.intermediateSize()
                + (long) vc.numPatches() * vc.numChannels() * vc.patchSize() * vc.patchSize()
                + (long) capacity * tc.headDim()
                + (long) tc.numLayers() * tc.numHeads() * chunks * (tc.headDim() + 2);
        deviceBytes = weights + buffers.stream().mapToLong(BufferSpec::bytes).sum() + 4 * extra;
        // Weight arrays map the checkpoint; activations have host twins.
        MemoryBudget.require(deviceBytes - model.checkpoint().byteSize(), "the TornadoVM engine's host-side activations");
        var dev = TornadoDevices.defaultDevice();
        // The kernels' fixed shapes against what the device allows, before anything is compiled.
        int group = Math.max(tc.numHeads() / tc.numKvHeads(), 1);
        long local = Tiles.localBytes(group);
        if (local > dev.getDeviceLocalMemorySize()) {
            throw new BadInputException(String.format("the TornadoVM kernels need %d KB of local memory per work-group but"
                    + " %s has %d KB", local / 1024, dev.getDeviceName(), dev.getDeviceLocalMemorySize() / 1024));
        }
        long[] dims = dev.getDeviceMaxWorkgroupDimensions();
        if (dims != null && dims.length > 0 && dims[0] < Tiles.MAX_GROUP) {
            throw new BadInputException("the TornadoVM kernels launch work-groups of " + Tiles.MAX_GROUP + " items but "
                    + dev.getDeviceName() + " allows " + dims[0]);
        }
        if (deviceBytes > dev.getMaxGlobalMemory()) {
            throw new BadInputException(String.format("the model needs %.2f GB on the TornadoVM device but %s has %.2f GB",
                    deviceBytes / 1e9, dev.getDeviceName(), dev.getMaxGlobalMemory() / 1e9));
        }
    }

    @Override
    public TornadoBuffer allocate(BufferSpec spec) {
        try {
            return new TornadoBuffer(spec, DeviceArrays.scratch(spec.floats()));
        } catch (OutOfMemoryError e) {
            throw new BadInputException(String.format("out of direct memory for the TornadoVM engine's %.2f GB of arrays:"
                    + " raise -XX:MaxDirectMemorySize (PALIGEMMA_JAVA_OPTS)", deviceBytes / 1e9));
        }
    }

    @Override
    public LayerOps<TornadoBuffer> ops() {
        return ops;
    }

    /** Graph name of a stage in a decode step (the same stage in a prefill keeps its own name). */
    private static String decodeName(Stage<?> s) {
        return "decode." + s.name();
    }

    @Override
    public void prepare(Program<TornadoBuffer> program) {
        decodeStages = program.decode();
        List<Recording> recordings = new ArrayList<>();
        for (Stage<TornadoBuffer> s : program.vision()) {
            recordings.add(ops.record(s, s.name(), TornadoOps.Mode.VISION));
        }
        for (Stage<TornadoBuffer> s : program.prefill()) {
            recordings.add(ops.record(s, s.name(), TornadoOps.Mode.PREFILL));
        }
        recordings.add(ops.recordHead(program.logits(), program.logitsOut()));
        List<Recording> decode = new ArrayList<>();
        for (Stage<TornadoBuffer> s : program.decode()) {
            decode.add(ops.record(s, decodeName(s), TornadoOps.Mode.DECODE));
        }
        // Fusion reads liveness over the rest of the step: the later stages' ops, then the head's.
        for (int i = 0; i < decode.size(); i++) {
            List<Fusion.Op> later = new ArrayList<>();
            decode.subList(i + 1, decode.size()).forEach(r -> later.addAll(r.ops));
            later.addAll(recordings.getLast().ops);
            ops.fuse(decode.get(i), later);
        }
        recordings.addAll(decode);
        for (Recording r : recordings) {
            graphIndex.put(r.name(), graphIndex.size());
            launches.put(r.name(), r.launches());
        }
        logitsOut = program.logitsOut();
        headGraph = graphIndex.get(program.logits().name());
        GraphAssembly.Order order = GraphAssembly.order(program, Stage::name, TornadoExecutor::decodeName);
        List<TaskGraph> graphs = GraphAssembly.assemble(recordings, order);
        names = graphs.stream().map(TaskGraph::getTaskGraphName).toList();
        ImmutableTaskGraph[] snapshots = graphs.stream().map(TaskGraph::snapshot).toArray(ImmutableTaskGraph[]::new);
        // PTX and CUDA: large uploads (the weights, once) go through TornadoVM's pinned staging
        // ring instead of pinning each 6 GB private map; a no-op on OpenCL.
        plan = grids.configure(new TornadoExecutionPlan(snapshots)).withStagedTransfers();
        bindBuffers(order.binding());
        if (profiled) {
            plan.withProfiler(ProfilerMode.SILENT);
        }
    }

    /**
     * Runs the text graphs once in the binding order, on a one-row pass of token 0, so every graph
     * holds the shared device buffers before the first real pass (what they compute is overwritten
     * by it). This also compiles them.
     */
    private void bindBuffers(List<String> binding) {
        ops.bindForBinding(config.text().vocabSize());
        DEVICE.lock();
        try {
            for (String name : binding) {
                current = graphIndex.get(name);
                plan.withGraph(current).execute();
            }
        } catch (RuntimeException | Error e) {
            failed = true;
            throw new IllegalStateException("TornadoVM failed preparing task graph " + names.get(current) + " on "
                    + TornadoDevices.defaultDevice().getDeviceName() + ": " + e, e);
        } finally {
            DEVICE.unlock();
        }
    }

    @Override
    public void run(List<Stage<TornadoBuffer>> stages, Pass pass) {
        ops.bind(stages.getFirst().phase(), pass);
        boolean decode = stages == decodeStages;
        DEVICE.lock();
        try {
            for (Stage<TornadoBuffer> s : stages) {
                String name = decode ? decodeName(s) : s.name();
                current = graphIndex.get(name);
                TornadoExecutionResult r = plan.withGraph(current).execute();
                if (current == headGraph) {
                    lastHead = r;
                }
                if (profiled) {
                    times.add(r);
                    times.addLaunches(launches.get(name));
                }
            }
        } catch (TornadoOutOfMemoryException e) {
            failed = true;
            throw new BadInputException("the TornadoVM device ran out of memory (" + e.getMessage().lines().findFirst()
                    .orElse("") + "); the budget is -Dtornado.device.memory, the model needs about "
                    + String.format("%.2f GB", deviceBytes / 1e9));
        } catch (RuntimeException | Error e) {
            failed = true;
            // A graph TornadoVM cannot compile or launch: say which, and on what, over its own trace.
            throw new IllegalStateException("TornadoVM failed running task graph " + names.get(current) + " on "
                    + TornadoDevices.defaultDevice().getDeviceName() + ": " + e, e);
        } finally {
            DEVICE.unlock();
        }
    }

    /**
     * The head with its argmax: only the picked id comes back, 4 bytes (a partial copy, without the
     * 16-byte header TornadoVM's arrays carry), instead of the logits.
     */
    @Override
    public int runGreedy(Stage<TornadoBuffer> head, TornadoBuffer logits, Pass pass, int n) {
        ops.limit(n);
        run(List.of(head), pass);
        DEVICE.lock();
        try {
            lastHead.transferToHost(new DataRange(ops.pick).withSize(1));
            if (profiled) {
                times.addBytesOut(Integer.BYTES);
            }
        } catch (RuntimeException e) {
            failed = true;
            throw new IllegalStateException("TornadoVM failed copying the picked token to the host from "
                    + TornadoDevices.defaultDevice().getDeviceName() + ": " + e, e);
        } finally {
            DEVICE.unlock();
        }
        int id = ops.pick.get(0);
        if (id < 0) {
            // Every logit is NaN: the same refusal as the host's greedy pick.
            return io.paligemma4j.runtime.Sampling.greedy(new float[] {Float.NaN}, 0);
        }
        return id;
    }

    @Override
    public void write(TornadoBuffer buffer, float[] data) {
        FloatArray a = buffer.array();
        for (int i = 0; i < data.length; i++) {
            a.set(i, data[i]);
        }
    }

    @Override
    public float[] read(TornadoBuffer buffer, int floats) {
        FloatArray a = buffer.array();
        if (buffer == logitsOut) {
            fetchLogits();
        }
        float[] out = new float[floats];
        for (int i = 0; i < floats; i++) {
            out[i] = a.get(i);
        }
        return out;
    }

    /** Brings the last head run's logits to the host (they stay on the device unless asked for). */
    private void fetchLogits() {
        if (lastHead == null) {
            throw new IllegalStateException("logits read before the head ran");
        }
        DEVICE.lock();
        try {
            lastHead.transferToHost(logitsOut.array());
            if (profiled) {
                times.addBytesOut(4L * logitsOut.spec().floats());
            }
        } catch (RuntimeException e) {
            failed = true;
            throw new IllegalStateException("TornadoVM failed copying the logits to the host from "
                    + TornadoDevices.defaultDevice().getDeviceName() + ": " + e, e);
        } finally {
            DEVICE.unlock();
        }
    }

    /** TornadoVM profiler sums since the last call; empty unless the backend was asked to profile. */
    @Override
    public Map<String, Double> takeDeviceCounters() {
        if (!profiled) {
            return Map.of();
        }
        DeviceTimes t = times.take();
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("device_kernel_seconds", t.kernelNs() / 1e9);
        m.put("device_transfer_seconds", t.transferNs() / 1e9);
        m.put("compile_seconds", t.compileNs() / 1e9);
        m.put("bytes_to_device", (double) t.bytesIn());
        m.put("bytes_to_host", (double) t.bytesOut());
        m.put("kernel_launches", (double) t.launches());
        return m;
    }

    @Override
    public void close() {
        DEVICE.lock();
        try {
            // After a failed run TornadoVM's buffer bookkeeping may be inconsistent; releasing
            // would raise a second, misleading error over the first.
            if (plan != null && !failed) {
                plan.freeDeviceMemory();
            }
            if (plan != null) {
                plan.close();
            }
        } catch (TornadoExecutionPlanException e) {
            throw new IllegalStateException("releasing the TornadoVM plan failed", e);
        } finally {
            maps.close();
            DEVICE.unlock();
        }
    }
}
