package io.paligemma4j.kernels.tornado;

import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.PaliGemmaConfig;
import io.paligemma4j.loader.TextConfig;
import io.paligemma4j.loader.VisionConfig;
import io.paligemma4j.runtime.Engine;
import io.paligemma4j.runtime.PaliGemmaModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;
import uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException;

/**
 * The model resident on a TornadoVM device: every stage a task graph (see {@link VisionGraphs},
 * {@link TextGraphs}), all in one execution plan built and compiled once, then run graph by graph
 * for every image and token. Per decode step the step array (position and token id) goes up and
 * the logits come down; weights, activations and the KV cache stay on the device.
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
    private int length;
    private int prefixLen;

    public TornadoEngine(PaliGemmaModel model, int capacity) {
        this.config = model.config();
        this.capacity = capacity;
        grids = new Grids();
        vision = new VisionGraphs(config, model.weights(), grids);
        text = new TextGraphs(config, model.weights(), capacity, grids);
        List<TaskGraph> all = new ArrayList<>(vision.graphs);
        visionFirst = 0;
        textFirst = all.size();
        all.addAll(text.graphs);
        ImmutableTaskGraph[] snapshots = all.stream().map(TaskGraph::snapshot).toArray(ImmutableTaskGraph[]::new);
        plan = grids.configure(new TornadoExecutionPlan(snapshots));
        if (profiled) {
            plan.withProfiler(ProfilerMode.SILENT);
        }
    }

    /** Device time summed over the graphs run since the last call (profiling on: -Dpaligemma.tornado.profile=true). */
    public DeviceTimes takeTimes() {
        return times.take();
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
        VisionConfig vc = config.vision();
        int s = vc.imageSize();
        if (pixels.length != 3 * s * s) {
            throw new BadInputException("pixel array holds " + pixels.length + " values; the model takes [3, " + s
                    + ", " + s + "] = " + (3 * s * s));
        }
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
        TextConfig tc = config.text();
        int d = tc.hiddenSize();
        int nImg = config.numImageTokens();
        if (imageFeatures.length != nImg * d) {
            throw new IllegalArgumentException("image features hold " + imageFeatures.length + " values, expected "
                    + nImg + " x " + d);
        }
        int rows = nImg + tokens.length;
        if (rows > capacity) {
            throw new BadInputException("sequence of " + rows + " tokens (" + nImg + " image + " + tokens.length
                    + " text) exceeds the capacity of " + capacity);
        }
        if (prefixLen < nImg || prefixLen > rows) {
            throw new IllegalArgumentException("prefix length " + prefixLen + " outside [" + nImg + ", " + rows + "]");
        }
        checkIds(tokens);
        for (int i = 0; i < imageFeatures.length; i++) {
            text.imageFeatures.set(i, imageFeatures[i]);
        }
        setStep(rows, 0, prefixLen, nImg);
        for (int i = 0; i < tokens.length; i++) {
            text.step.set(Step.IDS + nImg + i, tokens[i]);
        }
        this.prefixLen = prefixLen;
        // text.image, text.embed, the layers; then the logits graph once per wanted row.
        run(textFirst, textFirst + 2 + text.layers);
        length = rows;
        int vocab = tc.vocabSize();
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
        if (length == 0) {
            throw new IllegalStateException("decode before prefill");
        }
        if (length + 1 > capacity) {
            throw new BadInputException("generation reached the sequence capacity of " + capacity + " tokens");
        }
        checkIds(new int[] {token});
        setStep(1, length, prefixLen, 0);
        text.step.set(Step.IDS, token);
        run(textFirst + 1, textFirst + 2 + text.layers);
        length++;
        return logitsOf(0);
    }

    private void setStep(int rows, int start, int prefix, int imageRows) {
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

    private void checkIds(int[] tokens) {
        int vocab = config.text().vocabSize();
        for (int t : tokens) {
            if (t < 0 || t >= vocab) {
                throw new BadInputException("token id " + t + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
    }

    /** Runs graphs [from, to) in order. */
    private void run(int from, int to) {
        DEVICE.lock();
        try {
            for (int i = from; i < to; i++) {
                TornadoExecutionResult r = plan.withGraph(i).execute();
                if (profiled) {
                    times.add(r);
                }
            }
        } finally {
            DEVICE.unlock();
        }
    }

    @Override
    public void close() {
        DEVICE.lock();
        try {
            plan.freeDeviceMemory();
            plan.close();
        } catch (TornadoExecutionPlanException e) {
            throw new IllegalStateException("releasing the TornadoVM plan failed", e);
        } finally {
            DEVICE.unlock();
        }
    }
}
