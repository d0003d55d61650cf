package io.paligemma4j.cli;

import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.PaliGemmaConfig;
import io.paligemma4j.runtime.GenerationOptions;
import picocli.CommandLine.Option;

/** Decoding options shared by the generating commands. */
public final class GenerationFlags {
    @Option(names = "--max-tokens", defaultValue = "32", description = "New tokens at most (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0",
            description = "0 = greedy (default); above 0 samples from softmax(logits / T).")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Sample among the k most likely tokens (0 = all).")
    int topK;

    @Option(names = "--top-p", defaultValue = "1", description = "Sample within the smallest set of probability >= p.")
    double topP;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed for sampling (default ${DEFAULT-VALUE}).")
    long seed;

    /** Checks every flag; called before anything is loaded. */
    void check() {
        if (maxTokens < 1) {
            throw new BadInputException("--max-tokens must be at least 1");
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new BadInputException("--temperature must be a finite number >= 0");
        }
        if (topK < 0) {
            throw new BadInputException("--top-k must not be negative");
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new BadInputException("--top-p must be in (0, 1]");
        }
    }

    GenerationOptions toOptions(PaliGemmaConfig c) {
        check();
        return GenerationOptions.forModel(c, maxTokens, temperature, topK, topP, seed);
    }
}
