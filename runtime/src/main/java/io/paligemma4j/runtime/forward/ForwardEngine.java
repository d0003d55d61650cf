package io.paligemma4j.runtime.forward;

import io.paligemma4j.loader.PaliGemmaConfig;
import io.paligemma4j.runtime.Engine;
import io.paligemma4j.runtime.EngineInputs;
import io.paligemma4j.runtime.PaliGemmaModel;
import java.util.List;
import java.util.Map;

/**
 * The {@link Engine} every backend shares: the sequence state (length, prefix, capacity), the
 * argument checks, and host input and output, over the {@link PaliGemmaForward} stages a backend's
 * {@link StageExecutor} runs.
 */
public final class ForwardEngine<B> implements Engine {
    private final PaliGemmaConfig config;
    private final int capacity;
    private final StageExecutor<B> exec;
    private final PaliGemmaForward<B> forward;
    private final Program<B> program;
    private final List<Stage<B>> logits;
    private int length;
    private int prefixLen;
    /** Rows of the last text pass, whose logits a logits pass may select. */
    private int lastRows;

    /** Takes ownership of {@code exec}: it is closed with the engine, or at once if opening fails. */
    public ForwardEngine(PaliGemmaModel model, int capacity, StageExecutor<B> exec) {
        this.config = model.config();
        this.capacity = capacity;
        this.exec = exec;
        try {
            exec.checkMemory(PaliGemmaForward.buffers(config, capacity));
            forward = new PaliGemmaForward<>(config, model.weights(), capacity, exec::allocate);
            program = forward.program();
            exec.prepare(program);
        } catch (RuntimeException | Error e) {
            exec.close();
            throw e;
        }
        logits = List.of(program.logits());
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
        int n = config.vision().numPatches();
        exec.write(forward.pixels(), pixels);
        exec.run(program.vision(), Pass.vision(n));
        return exec.read(forward.features(), n * config.text().hiddenSize());
    }

    @Override
    public float[] prefill(float[] imageFeatures, int[] tokens, int prefixLen, boolean allLogits) {
        int rows = EngineInputs.checkPrefill(config, capacity, imageFeatures, tokens, prefixLen);
        exec.write(forward.imageFeatures(), imageFeatures);
        length = 0;
        this.prefixLen = prefixLen;
        exec.run(program.prefill(), Pass.prefill(config.numImageTokens(), tokens, prefixLen));
        length = rows;
        lastRows = rows;
        if (!allLogits) {
            return logitsOf(rows - 1);
        }
        int vocab = config.text().vocabSize();
        float[] all = new float[rows * vocab];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(logitsOf(r), 0, all, r * vocab, vocab);
        }
        return all;
    }

    @Override
    public float[] decode(int token) {
        step(token);
        return logitsOf(0);
    }

    /** Runs the decoder on one appended token; the head runs after, as the caller wants it. */
    private void step(int token) {
        EngineInputs.checkDecode(config, length, capacity, token);
        exec.run(program.decode(), Pass.decode(length, prefixLen, token));
        length++;
        lastRows = 1;
    }

    @Override
    public int decodeGreedy(int token, int limit) {
        step(token);
        int vocab = config.text().vocabSize();
        return exec.runGreedy(program.logits(), forward.logits(), Pass.logits(0), limit > 0 ? Math.min(limit, vocab) : vocab);
    }

    private float[] logitsOf(int row) {
        if (row >= lastRows) {
            throw new IllegalStateException("row " + row + " of a " + lastRows + "-row pass");
        }
        exec.run(logits, Pass.logits(row));
        return exec.read(forward.logits(), config.text().vocabSize());
    }

    @Override
    public Map<String, Double> takeDeviceCounters() {
        return exec.takeDeviceCounters();
    }

    @Override
    public void close() {
        exec.close();
    }
}
