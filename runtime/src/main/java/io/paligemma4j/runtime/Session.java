package io.paligemma4j.runtime;

import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.PaliGemmaConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * One conversation with a loaded model on one backend: encodes an image, prefills the prefix
 * ({@code [image × N][BOS][prompt][\n]}), then decodes greedily. Owns an {@link Engine}; use from
 * one thread at a time. Many sessions may share one {@link PaliGemmaModel}.
 */
public final class Session implements AutoCloseable {
    private final PaliGemmaModel model;
    private final Backend backend;
    private final Engine engine;
    private java.util.function.Consumer<String> progress = stage -> {};

    private Session(PaliGemmaModel model, Backend backend, Engine engine) {
        this.model = model;
        this.backend = backend;
        this.engine = engine;
    }

    /** Opens a session with room for {@code maxSeqLen} tokens (image tokens included). */
    public static Session open(PaliGemmaModel model, Backend backend, int maxSeqLen) {
        PaliGemmaConfig c = model.config();
        // The least a prefix holds after the image: BOS, one prompt token and the newline.
        if (maxSeqLen < c.numImageTokens() + 3) {
            int left = Math.max(0, maxSeqLen - c.numImageTokens());
            throw new BadInputException("maximum sequence length " + maxSeqLen + " leaves " + left + " position"
                    + (left == 1 ? "" : "s") + " after the " + c.numImageTokens() + " image tokens, too few for BOS,"
                    + " a prompt and the newline; it must be at least " + (c.numImageTokens() + 3));
        }
        if (maxSeqLen > c.text().maxPositionEmbeddings()) {
            throw new BadInputException("maximum sequence length " + maxSeqLen + " exceeds the model's "
                    + c.text().maxPositionEmbeddings() + " positions");
        }
        return new Session(model, backend, backend.open(model, maxSeqLen));
    }

    /** Image tokens plus 256 text tokens, within the model's positions. */
    public static int defaultCapacity(PaliGemmaConfig c) {
        return Math.min(c.text().maxPositionEmbeddings(), c.numImageTokens() + 256);
    }

    /** The text part of PaliGemma's prefix: {@code [BOS] prompt newline}. */
    public static int[] textPrefix(int bos, int[] promptIds, int[] newlineIds) {
        int[] t = new int[1 + promptIds.length + newlineIds.length];
        t[0] = bos;
        System.arraycopy(promptIds, 0, t, 1, promptIds.length);
        System.arraycopy(newlineIds, 0, t, 1 + promptIds.length, newlineIds.length);
        return t;
    }

    /** Tokens of room, image tokens included. */
    public int capacity() {
        return engine.capacity();
    }

    /** Called with "vision", "prefill" and "decode" as each stage of {@link #generate} starts. */
    public void onStage(java.util.function.Consumer<String> listener) {
        this.progress = listener;
    }

    /** See {@link Engine#takeDeviceCounters()}. */
    public java.util.Map<String, Double> takeDeviceCounters() {
        return engine.takeDeviceCounters();
    }

    public Backend backend() {
        return backend;
    }

    public PaliGemmaModel model() {
        return model;
    }

    /** Projected image features [N, D] for pixels [3, S, S] in [-1, 1]. */
    public float[] imageFeatures(float[] pixels) {
        return engine.encodeImage(pixels);
    }

    public GenerationResult generate(float[] pixels, int[] textPrefix, GenerationOptions options) {
        return generate(pixels, textPrefix, options, t -> {}, false);
    }

    /**
     * Generates after the prefix {@code [image][textPrefix]}. {@code onToken} sees each token as it
     * is chosen; {@code keepLogits} keeps the prefill logits of every prefix row and each step's logits.
     */
    public GenerationResult generate(float[] pixels, int[] textPrefix, GenerationOptions options,
                                     IntConsumer onToken, boolean keepLogits) {
        int n = model.config().numImageTokens();
        int prefixLen = n + textPrefix.length;
        // In long arithmetic: a max-tokens near Integer.MAX_VALUE must be refused, not overflow.
        if ((long) prefixLen + Math.max(0, options.maxNewTokens() - 1) > engine.capacity()) {
            throw new BadInputException("prompt of " + textPrefix.length + " tokens plus " + options.maxNewTokens()
                    + " new tokens does not fit the sequence capacity of " + engine.capacity() + " (" + n
                    + " image tokens included); raise the capacity (--max-seq-len, at most "
                    + model.config().text().maxPositionEmbeddings() + ") or ask for fewer new tokens (--max-tokens)");
        }
        long t0 = System.nanoTime();
        progress.accept("vision");
        float[] features = engine.encodeImage(pixels);
        long t1 = System.nanoTime();
        progress.accept("prefill");
        float[] pre = engine.prefill(features, textPrefix, prefixLen, keepLogits);
        long t2 = System.nanoTime();
        progress.accept("decode");
        int vocab = model.config().text().vocabSize();
        float[] last = keepLogits ? java.util.Arrays.copyOfRange(pre, (prefixLen - 1) * vocab, prefixLen * vocab) : pre;
        List<float[]> steps = new ArrayList<>();
        int[] out = new int[options.maxNewTokens()];
        int count = 0;
        boolean eos = false;
        int decoded = 0;
        Sampling sampling = new Sampling(options);
        // Greedy without kept logits: the engine picks each next token itself (on a device, only the id comes back).
        boolean engineGreedy = options.temperature() == 0 && !keepLogits;
        int next = -1;
        while (count < options.maxNewTokens()) {
            if (Thread.currentThread().isInterrupted()) {
                break; // stop cleanly between steps; the tokens so far are the result
            }
            if (next < 0 || !engineGreedy) {
                if (keepLogits) {
                    steps.add(last);
                }
                next = sampling.next(last);
            }
            if (options.stopIds().contains(next)) {
                eos = true;
                break;
            }
            out[count++] = next;
            onToken.accept(next);
            if (count == options.maxNewTokens()) {
                break;
            }
            if (engineGreedy) {
                next = engine.decodeGreedy(next, options.vocabLimit());
            } else {
                last = engine.decode(next);
            }
            decoded++;
        }
        long t3 = System.nanoTime();
        return new GenerationResult(java.util.Arrays.copyOf(out, count), eos, features, keepLogits ? pre : null,
                steps, prefixLen, new GenerationResult.Timings(t1 - t0, t2 - t1, t3 - t2, decoded));
    }

    @Override
    public void close() {
        engine.close();
    }
}
