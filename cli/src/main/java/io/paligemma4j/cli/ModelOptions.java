package io.paligemma4j.cli;

import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.runtime.Backend;
import io.paligemma4j.runtime.Backends;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by every command that runs the model. */
public final class ModelOptions {
    @Option(names = "--model", paramLabel = "DIR",
            description = "Hugging Face PaliGemma checkpoint directory (config.json + safetensors). "
                    + "Default: the bundled tiny checkpoint with random weights.")
    Path model;

    @Option(names = "--backend", paramLabel = "NAME",
            description = "The backend by name (`devices` lists them). Default: the fastest available.")
    String backend;

    @Option(names = "--threads", paramLabel = "N",
            description = "Host threads for the backend's kernels. Default: all cores (or -Dpaligemma.threads).")
    Integer threads;

    @Option(names = "--device", paramLabel = "N",
            description = "The backend's device by number (`devices` lists them). Default: the backend's choice.")
    Integer device;

    @Option(names = "--max-seq-len", paramLabel = "N",
            description = "Tokens of room in the KV cache, image tokens included. Default: image tokens + 256.")
    Integer maxSeqLen;

    /** The repository (or install) root, set by the launcher; bundled files live under it. */
    static Path home() {
        return Path.of(System.getProperty("paligemma.home", "."));
    }

    static Path bundledModel() {
        return home().resolve("models/tiny-v1-f32");
    }

    boolean usesBundledModel() {
        return model == null;
    }

    PaliGemmaModel load() {
        return PaliGemmaModel.load(model != null ? model : bundledModel());
    }

    Backend selectBackend() {
        return select(backend, threads, device);
    }

    /** The backend by name (null: the fastest available), on {@code threads} threads when given. */
    static Backend select(String backend, Integer threads, Integer device) {
        if (threads != null && threads < 1) {
            throw new BadInputException("--threads must be at least 1, got " + threads);
        }
        Backend b = Backends.select(backend);
        if (device != null) {
            b = b.withDevice(device);
        }
        try {
            return threads != null ? b.withThreads(threads) : b;
        } catch (BadInputException e) {
            throw new BadInputException("--threads " + threads + ": " + e.getMessage());
        }
    }

    /** --max-seq-len on its own (the model's limits are checked when the session opens). */
    void checkCapacityOption() {
        if (maxSeqLen != null && maxSeqLen < 1) {
            throw new BadInputException("--max-seq-len must be positive, got " + maxSeqLen);
        }
    }

    Session open(PaliGemmaModel m) {
        return open(m, selectBackend());
    }

    Session open(PaliGemmaModel m, Backend b) {
        int cap = maxSeqLen != null ? maxSeqLen : Session.defaultCapacity(m.config());
        try {
            return Session.open(m, b, cap);
        } catch (BadInputException e) {
            throw maxSeqLen == null ? e : new BadInputException("--max-seq-len " + maxSeqLen + ": " + e.getMessage());
        }
    }
}
