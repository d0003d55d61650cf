package io.paligemma4j.langchain4j;

import io.paligemma4j.runtime.Backend;
import io.paligemma4j.runtime.Backends;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;
import java.nio.file.Path;
import java.util.function.Function;

/** Builds either model: where the checkpoint is, which backend, how many sessions and tokens. */
public final class PaliGemmaBuilder<T> {
    private final Function<PaliGemmaEngine, T> make;
    private Path modelDir;
    private PaliGemmaModel model;
    private String backend;
    private Integer threads;
    private int sessions = 1;
    private Integer maxSeqLen;
    private int maxTokens = 64;

    PaliGemmaBuilder(Function<PaliGemmaEngine, T> make) {
        this.make = make;
    }

    /** A Hugging Face PaliGemma checkpoint directory with a tokenizer; the model closes with it. */
    public PaliGemmaBuilder<T> modelDir(Path dir) {
        this.modelDir = dir;
        return this;
    }

    /** An already loaded model, shared with the caller (who closes it). */
    public PaliGemmaBuilder<T> model(PaliGemmaModel model) {
        this.model = model;
        return this;
    }

    /** "cpu", "reference", "tornado"; default: the fastest available. */
    public PaliGemmaBuilder<T> backend(String name) {
        this.backend = name;
        return this;
    }

    /** Threads for the cpu backend (default: all cores). */
    public PaliGemmaBuilder<T> threads(int threads) {
        this.threads = threads;
        return this;
    }

    /** Requests served at once, each in its own session (default 1; more wait). */
    public PaliGemmaBuilder<T> sessions(int sessions) {
        this.sessions = sessions;
        return this;
    }

    /** Sequence room per session, image tokens included (default: image tokens + 256). */
    public PaliGemmaBuilder<T> maxSeqLen(int maxSeqLen) {
        this.maxSeqLen = maxSeqLen;
        return this;
    }

    /** New tokens when a request gives no maxOutputTokens (default 64). */
    public PaliGemmaBuilder<T> maxTokens(int maxTokens) {
        this.maxTokens = maxTokens;
        return this;
    }

    public T build() {
        if ((model == null) == (modelDir == null)) {
            throw new IllegalArgumentException("give exactly one of modelDir(...) or model(...)");
        }
        if (sessions < 1 || maxTokens < 1) {
            throw new IllegalArgumentException("sessions and maxTokens must be positive");
        }
        Backend b = Backends.select(backend);
        if (threads != null) {
            b = b.withThreads(threads);
        }
        boolean owns = model == null;
        PaliGemmaModel m = owns ? PaliGemmaModel.load(modelDir) : model;
        try {
            int cap = maxSeqLen != null ? maxSeqLen : Session.defaultCapacity(m.config());
            return make.apply(new PaliGemmaEngine(m, owns, b, sessions, cap, maxTokens));
        } catch (RuntimeException e) {
            if (owns) {
                m.close();
            }
            throw e;
        }
    }
}
