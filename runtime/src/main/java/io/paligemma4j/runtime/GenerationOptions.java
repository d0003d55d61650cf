package io.paligemma4j.runtime;

import java.util.Set;

/**
 * How to pick tokens. Greedy is argmax with the lowest id on ties. {@code stopIds} end generation
 * (the token itself is not returned); empty means stop only at {@code maxNewTokens}.
 * {@code vocabLimit} excludes ids at or above it from being chosen (0 = no limit): PaliGemma's
 * Hugging Face vocabulary pads 64 rows after the real one (pitfall 11).
 */
public record GenerationOptions(int maxNewTokens, Set<Integer> stopIds, int vocabLimit) {
    public GenerationOptions {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("maxNewTokens must not be negative");
        }
        stopIds = Set.copyOf(stopIds);
    }

    /** Greedy, no stop token, no vocabulary limit: what the conformance fixtures use. */
    public static GenerationOptions conformance(int newTokens) {
        return new GenerationOptions(newTokens, Set.of(), 0);
    }
}
