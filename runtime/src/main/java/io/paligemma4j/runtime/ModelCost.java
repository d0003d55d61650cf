package io.paligemma4j.runtime;

import io.paligemma4j.loader.PaliGemmaConfig;
import io.paligemma4j.loader.Tensor;
import io.paligemma4j.loader.TextConfig;
import io.paligemma4j.loader.VisionConfig;
import io.paligemma4j.runtime.model.TextWeights;

/**
 * Work a model does, counted from its config and weights: the numerators of the rooflines the
 * benchmark reports (an FMA is 2 FLOPs).
 */
public final class ModelCost {
    private ModelCost() {}

    /** FLOPs of the SigLIP tower plus projector for one image. */
    public static double visionFlops(PaliGemmaConfig c) {
        VisionConfig v = c.vision();
        double n = v.numPatches();
        double dv = v.hiddenSize();
        double perLayer = 4 * 2 * n * dv * dv + 2 * 2 * n * dv * v.intermediateSize() + 2 * 2 * n * n * dv;
        double patch = 2 * n * v.numChannels() * v.patchSize() * v.patchSize() * dv;
        return v.numLayers() * perLayer + patch + 2 * n * dv * c.text().hiddenSize();
    }

    /** FLOPs of the decoder over a prefix of {@code rows} tokens, logits of the last row included. */
    public static double prefillFlops(PaliGemmaConfig c, int rows) {
        TextConfig t = c.text();
        double d = t.hiddenSize();
        double perLayer = 2 * rows * d * (t.qDim() + 2.0 * t.kvDim()) + 2 * rows * (double) t.qDim() * d
                + 3 * 2 * rows * d * t.intermediateSize() + 2 * 2 * (double) rows * rows * t.qDim();
        return t.numLayers() * perLayer + 2 * d * t.vocabSize();
    }

    /** Weight bytes one decode step reads: every decoder layer, the final norm and the LM head. */
    public static long decodeWeightBytes(TextWeights w) {
        long b = w.finalNorm().data().byteSize() + w.lmHead().data().byteSize();
        for (TextWeights.Layer l : w.layers()) {
            for (Tensor t : new Tensor[] {l.inputNorm(), l.q(), l.k(), l.v(), l.o(), l.postAttnNorm(), l.preFfnNorm(),
                    l.postFfnNorm(), l.gate(), l.up(), l.down()}) {
                b += t == null ? 0 : t.data().byteSize();
            }
        }
        return b;
    }
}
