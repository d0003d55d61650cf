package io.paligemma4j.spark;

import io.paligemma4j.loader.tokenizer.GemmaTokenizer;
import io.paligemma4j.runtime.PaliGemmaModel;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One model per executor JVM and checkpoint path, loaded on first use and shared by every task
 * that JVM runs (the weights are memory-mapped, so executors on one host share the page cache).
 * Models stay open for the JVM's life: a task never closes what another task is using.
 */
final class ExecutorModels {
    record Loaded(PaliGemmaModel model, GemmaTokenizer tokenizer) {}

    private static final ConcurrentHashMap<String, Loaded> MODELS = new ConcurrentHashMap<>();
    /** How many times a model was loaded in this JVM: tests check it is once per path. */
    static final AtomicInteger LOADS = new AtomicInteger();

    private ExecutorModels() {}

    static Loaded get(String path) {
        return MODELS.computeIfAbsent(path, p -> {
            LOADS.incrementAndGet();
            Path dir = Path.of(p);
            return new Loaded(PaliGemmaModel.load(dir), GemmaTokenizer.load(dir));
        });
    }
}
