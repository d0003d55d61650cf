package io.paligemma4j.runtime.forward;

import java.util.List;
import java.util.Map;

/**
 * How a backend runs the forward pass: it allocates the buffers, provides the {@link LayerOps},
 * and runs stages for a {@link Pass}. An eager executor calls each stage's body on every run; a
 * graph executor records the whole {@link Program} once in {@link #prepare} and launches it after.
 */
public interface StageExecutor<B> extends AutoCloseable {
    /**
     * Fails with one clear line when the buffers (and whatever the backend adds, such as the weights
     * on a device) do not fit; called before any {@link #allocate}.
     */
    void checkMemory(List<BufferSpec> buffers);

    B allocate(BufferSpec spec);

    LayerOps<B> ops();

    /** Called once, after every buffer is allocated and before any run. */
    void prepare(Program<B> program);

    /** Runs {@code stages} in order on {@code pass}. */
    void run(List<Stage<B>> stages, Pass pass);

    /** Host data into a {@link BufferSpec.Io#FROM_HOST} buffer, for the next run that reads it. */
    void write(B buffer, float[] data);

    /** The first {@code floats} values of a {@link BufferSpec.Io#TO_HOST} buffer after the last run that wrote it. */
    float[] read(B buffer, int floats);

    /**
     * Runs the head stage on {@code pass} and returns {@link io.paligemma4j.runtime.Sampling#greedy}
     * over the first {@code n} logits it wrote to {@code logits}; a device executor picks it on the
     * device and reads back one id.
     */
    default int runGreedy(Stage<B> head, B logits, Pass pass, int n) {
        run(List.of(head), pass);
        return io.paligemma4j.runtime.Sampling.greedy(read(logits, n), 0);
    }

    /** Device counters since the last call (see {@link io.paligemma4j.runtime.Engine#takeDeviceCounters}). */
    default Map<String, Double> takeDeviceCounters() {
        return Map.of();
    }

    @Override
    void close();
}
