package io.paligemma4j.kernels.tornado;

import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.PaliGemmaConfig;
import io.paligemma4j.loader.TextConfig;
import io.paligemma4j.loader.VisionConfig;
import io.paligemma4j.runtime.Engine;
import io.paligemma4j.runtime.EngineInputs;
import io.paligemma4j.runtime.MemoryBudget;
import io.paligemma4j.runtime.PaliGemmaModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;
import uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException;
import uk.ac.manchester.tornado.api.exceptions.TornadoOutOfMemoryException;

/**
 * The model resident on a TornadoVM device: every stage a task graph (see {@link VisionGraphs},
 * {@link TextGraphs}), all in one execution plan built and compiled once, then run graph by graph
 * for every image and token. Per decode step the 32-byte step array (position and token id) goes
 * up and the logits come down; weights, activations and the KV cache stay on the device.
 */
public final class TornadoEngine implements Engine {
    /** One device queue: plans from several sessions take turns rather than interleave. */
    private static final ReentrantLock DEVICE = new ReentrantLock();

    private final PaliGemmaConfig config;
    private final int capacity;
    private final VisionGraphs vision;
    private final TextGraphs text;
    private final TornadoExecutionPlan plan;
    private final int visionFirst;
    private final int textFirst;
    private final Grids grids;
    private final DeviceTimes times = new DeviceTimes();
    private final boolean profiled = Boolean.getBoolean("paligemma.tornado.profile");
    private final long bytes;
    private final PrivateMaps maps;
    private boolean failed;
    private int current;
    private final List<String> names;
    private int length;
    private int prefixLen;

    public TornadoEngine(PaliGemmaModel model, int capacity) {
        this.config = model.config();
        this.capacity = capacity;
        grids = new Grids();
        bytes = deviceBytes(model, capacity);
        // Weight arrays map the checkpoint; activations and the KV cache have host twins.
        MemoryBudget.require(bytes - model.checkpoint().byteSize(), "the TornadoVM engine's host-side activations");
        var dev = TornadoDevices.defaultDevice();
        if (bytes > dev.getMaxGlobalMemory()) {
            throw new BadInputException(String.format("the model needs %.2f GB on the TornadoVM device but %s has %.2f GB",
                    bytes / 1e9, dev.getDeviceName(), dev.getMaxGlobalMemory() / 1e9));
        }
        maps = new PrivateMaps(model.checkpoint());
        try {
            vision = new VisionGraphs(config, model.weights(), grids, maps);
            text = new TextGraphs(config, model.weights(), capacity, grids, maps);
        } catch (OutOfMemoryError e) {
            maps.close();
            throw new BadInputException(String.format("out of direct memory for the TornadoVM engine's %.2f GB of arrays:"
                    + " raise -XX:MaxDirectMemorySize (PALIGEMMA_JAVA_OPTS)", bytes / 1e9));
        }
        List<TaskGraph> all = new ArrayList<>(vision.graphs);
        visionFirst = 0;
        textFirst = all.size();
        all.addAll(text.graphs);
        names = all.stream().map(TaskGraph::getTaskGraphName).toList();
        ImmutableTaskGraph[] snapshots = all.stream().map(TaskGraph::snapshot).toArray(ImmutableTaskGraph[]::new);
        plan = grids.configure(new TornadoExecutionPlan(snapshots));
        if (profiled) {
            plan.withProfiler(ProfilerMode.SILENT);
        }
    }

    /**
     * Bytes the engine puts on the device: weights as stored (the tied LM head a second time, as the
     * logits graph holds its own copy), float32 vectors, activations and the KV cache.
     */
    static long deviceBytes(PaliGemmaModel model, int capacity) {
        PaliGemmaConfig c = model.config();
        TextConfig tc = c.text();
        VisionConfig vc = c.vision();
        long weights = model.checkpoint().byteSize();
        if (model.weights().text().lmHead() == model.weights().text().embedTokens()) {
            weights += model.weights().text().embedTokens().data().byteSize();
        }
        long n = vc.numPatches();
        long text = (long) capacity * (4L * tc.hiddenSize() + 2L * tc.qDim() + 2L * tc.intermediateSize())
                + 2L * tc.numLayers() * capacity * tc.kvDim() + tc.vocabSize()
                + (long) tc.numLayers() * capacity * tc.headDim();
        long visionActs = n * (7L * vc.hiddenSize() + Math.max(vc.intermediateSize(), 3L * vc.patchSize() * vc.patchSize()))
                + n * tc.hiddenSize() * 2L;
        return weights + 4 * (text + visionActs);
    }

    /** TornadoVM profiler sums since the last call; empty unless run with -Dpaligemma.tornado.profile=true. */
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
        return m;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public float[] encodeImage(float[] pixels) {
        EngineInputs.checkPixels(config, pixels);
        VisionConfig vc = config.vision();
        for (int i = 0; i < pixels.length; i++) {
            vision.pixels.set(i, pixels[i]);
        }
        run(visionFirst, vision.graphs.size());
        int n = vc.numPatches() * config.text().hiddenSize();
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = vision.features.get(i);
        }
        return out;
    }

    @Override
    public float[] prefill(float[] imageFeatures, int[] tokens, int prefixLen, boolean allLogits) {
        int rows = EngineInputs.checkPrefill(config, capacity, imageFeatures, tokens, prefixLen);
        int nImg = config.numImageTokens();
        for (int i = 0; i < imageFeatures.length; i++) {
            text.imageFeatures.set(i, imageFeatures[i]);
        }
        setStep(rows, 0, prefixLen, nImg, -1);
        for (int i = 0; i < tokens.length; i++) {
            text.ids.set(nImg + i, tokens[i]);
        }
        this.prefixLen = prefixLen;
        // text.image, text.embed, the layers; then the logits graph once per wanted row.
        run(textFirst, textFirst + 2 + text.layers);
        length = rows;
        int vocab = config.text().vocabSize();
        if (!allLogits) {
            return logitsOf(rows - 1);
        }
        float[] all = new float[rows * vocab];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(logitsOf(r), 0, all, r * vocab, vocab);
        }
        return all;
    }

    @Override
    public float[] decode(int token) {
        EngineInputs.checkDecode(config, length, capacity, token);
        setStep(1, length, prefixLen, 0, token);
        run(textFirst + 1, textFirst + 2 + text.layers);
        length++;
        return logitsOf(0);
    }

    private void setStep(int rows, int start, int prefix, int imageRows, int token) {
        text.step.set(Step.TOKEN, token);
        grids.resize(rows);
        text.step.set(Step.ROWS, rows);
        text.step.set(Step.START, start);
        text.step.set(Step.PREFIX, prefix);
        text.step.set(Step.IN_ROW, 0);
        text.step.set(Step.IMAGE_ROWS, imageRows);
    }

    private float[] logitsOf(int row) {
        text.logitStep.set(Step.IN_ROW, row);
        int g = textFirst + 2 + text.layers;
        run(g, g + 1);
        return text.logits.toHeapArray();
    }

    /** Runs graphs [from, to) in order. */
    private void run(int from, int to) {
        DEVICE.lock();
        try {
            for (int i = from; i < to; i++) {
                current = i;
                TornadoExecutionResult r = plan.withGraph(i).execute();
                if (profiled) {
                    times.add(r);
                }
            }
        } catch (TornadoOutOfMemoryException e) {
            failed = true;
            throw new BadInputException("the TornadoVM device ran out of memory (" + e.getMessage().lines().findFirst()
                    .orElse("") + "); the budget is -Dtornado.device.memory, the model needs about "
                    + String.format("%.2f GB", bytes / 1e9));
        } catch (RuntimeException | Error e) {
            failed = true;
            // A graph TornadoVM cannot compile or launch: say which, and on what, over its own trace.
            throw new IllegalStateException("TornadoVM failed running task graph " + names.get(current) + " on "
                    + TornadoDevices.defaultDevice().getDeviceName() + ": " + e, e);
        } finally {
            DEVICE.unlock();
        }
    }

    @Override
    public void close() {
        DEVICE.lock();
        try {
            // After a failed run TornadoVM's buffer bookkeeping may be inconsistent; releasing
            // would raise a second, misleading error over the first.
            if (!failed) {
                plan.freeDeviceMemory();
            }
            plan.close();
            maps.close();
        } catch (TornadoExecutionPlanException e) {
            throw new IllegalStateException("releasing the TornadoVM plan failed", e);
        } finally {
            DEVICE.unlock();
        }
    }
}
