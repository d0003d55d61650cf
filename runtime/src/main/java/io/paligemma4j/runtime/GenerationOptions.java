package io.paligemma4j.runtime;

import java.util.Set;

/**
 * How to pick tokens. {@code temperature} 0 is greedy: argmax, the lowest id on ties. Above 0,
 * tokens are sampled from softmax(logits / temperature), restricted to the {@code topK} most
 * likely (0 = all) and then to the smallest set whose probability reaches {@code topP} (1 = all),
 * from a random generator seeded with {@code seed}, so a seed reproduces its output.
 * {@code stopIds} end generation (the stop token is not returned). {@code vocabLimit} excludes
 * ids at or above it (0 = none): PaliGemma's Hugging Face vocabulary pads rows after the real
 * one.
 */
public record GenerationOptions(int maxNewTokens, Set<Integer> stopIds, int vocabLimit, double temperature, int topK,
                                double topP, long seed) {
    public GenerationOptions {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("maxNewTokens must not be negative");
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0");
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must not be negative");
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1]");
        }
        stopIds = Set.copyOf(stopIds);
    }

    /** Greedy decoding. */
    public GenerationOptions(int maxNewTokens, Set<Integer> stopIds, int vocabLimit) {
        this(maxNewTokens, stopIds, vocabLimit, 0, 0, 1, 0);
    }

    /**
     * Options for {@code config}'s model: its EOS ids stop generation, and ids from the image token
     * on are excluded (padding rows the model never produced in training).
     */
    public static GenerationOptions forModel(io.paligemma4j.loader.PaliGemmaConfig config, int maxNewTokens,
                                             double temperature, int topK, double topP, long seed) {
        int limit = config.imageTokenIndex() < config.text().vocabSize() ? config.imageTokenIndex() : 0;
        return new GenerationOptions(maxNewTokens, Set.copyOf(config.text().eosIds()), limit, temperature, topK, topP,
                seed);
    }

    /** Greedy, no stop token, no vocabulary limit: what the conformance fixtures use. */
    public static GenerationOptions conformance(int newTokens) {
        return new GenerationOptions(newTokens, Set.of(), 0);
    }
}
