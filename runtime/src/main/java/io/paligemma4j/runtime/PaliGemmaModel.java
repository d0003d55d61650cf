package io.paligemma4j.runtime;

import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.Checkpoint;
import io.paligemma4j.loader.ConfigReader;
import io.paligemma4j.loader.PaliGemmaConfig;
import io.paligemma4j.runtime.model.ModelWeights;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A PaliGemma checkpoint directory, loaded: its config and its weights, memory-mapped and bound.
 * Immutable after loading and safe to share between threads; {@link #close()} unmaps the files.
 */
public final class PaliGemmaModel implements AutoCloseable {
    private final Path dir;
    private final PaliGemmaConfig config;
    private final Checkpoint checkpoint;
    private final ModelWeights weights;

    private PaliGemmaModel(Path dir, PaliGemmaConfig config, Checkpoint checkpoint, ModelWeights weights) {
        this.dir = dir;
        this.config = config;
        this.checkpoint = checkpoint;
        this.weights = weights;
    }

    /** Loads {@code dir/config.json} and the safetensors beside it. */
    public static PaliGemmaModel load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new BadInputException(Files.exists(dir)
                    ? "model " + dir + " is a file; give the checkpoint's directory (config.json and safetensors)"
                    : Files.isSymbolicLink(dir) ? "model directory " + dir + " is a symbolic link that does not resolve"
                    : "model directory " + dir + " does not exist");
        }
        PaliGemmaConfig config = ConfigReader.read(dir.resolve("config.json"));
        Checkpoint ckpt = Checkpoint.open(dir);
        try {
            return new PaliGemmaModel(dir, config, ckpt, ModelWeights.bind(config, ckpt));
        } catch (RuntimeException e) {
            ckpt.close();
            throw e;
        }
    }

    public Path dir() {
        return dir;
    }

    public PaliGemmaConfig config() {
        return config;
    }

    public ModelWeights weights() {
        return weights;
    }

    public Checkpoint checkpoint() {
        return checkpoint;
    }

    @Override
    public void close() {
        checkpoint.close();
    }
}
