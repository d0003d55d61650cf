package io.paligemma4j.loader;

/** SigLIP vision tower hyper-parameters (Hugging Face {@code SiglipVisionConfig}). */
public record VisionConfig(
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numChannels,
        int imageSize,
        int patchSize,
        String hiddenAct,
        double layerNormEps) {

    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** Patches per side. */
    public int grid() {
        return imageSize / patchSize;
    }

    public int numPatches() {
        return grid() * grid();
    }
}
