package io.paligemma4j.loader;

/**
 * A PaliGemma model's configuration as read from {@code config.json}. The text width is
 * {@code text.hiddenSize()} (the top-level {@code hidden_size} is stale in PaliGemma 2 configs).
 */
public record PaliGemmaConfig(VisionConfig vision, TextConfig text, int imageTokenIndex, int version) {

    /** Image tokens per image = patches of the vision tower. */
    public int numImageTokens() {
        return vision.numPatches();
    }
}
