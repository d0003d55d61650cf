package io.paligemma4j.runtime;

import io.paligemma4j.loader.PaliGemmaConfig;
import io.paligemma4j.loader.Tensor;
import io.paligemma4j.loader.TextConfig;
import io.paligemma4j.loader.VisionConfig;
import io.paligemma4j.runtime.model.ModelWeights;
import io.paligemma4j.runtime.model.TextWeights;
import io.paligemma4j.runtime.model.VisionWeights;
import java.util.ArrayList;
import java.util.List;

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
        long b = 0;
        for (Tensor t : decodeTensors(w)) {
            b += t.data().byteSize();
        }
        return b;
    }

    /** FLOPs of one decode step's matmuls: two per weight read (attention over the cache is left out). */
    public static double decodeFlops(TextWeights w) {
        double f = 0;
        for (Tensor t : decodeTensors(w)) {
            f += t.rank() == 2 ? 2.0 * t.numel() : 0;
        }
        return f;
    }

    /** Weight bytes of the SigLIP tower and projector: what one image's GEMMs read (each panel packed once). */
    public static long visionWeightBytes(ModelWeights w) {
        VisionWeights v = w.vision();
        long b = bytes(v.patchWeight(), v.patchBias(), v.positionEmbedding(), v.postNormWeight(), v.postNormBias(),
                w.projectorWeight(), w.projectorBias());
        for (VisionWeights.Layer l : v.layers()) {
            b += bytes(l.ln1Weight(), l.ln1Bias(), l.qWeight(), l.qBias(), l.kWeight(), l.kBias(), l.vWeight(),
                    l.vBias(), l.outWeight(), l.outBias(), l.ln2Weight(), l.ln2Bias(), l.fc1Weight(), l.fc1Bias(),
                    l.fc2Weight(), l.fc2Bias());
        }
        return b;
    }

    private static long bytes(Tensor... ts) {
        long b = 0;
        for (Tensor t : ts) {
            b += t == null ? 0 : t.data().byteSize();
        }
        return b;
    }

    private static List<Tensor> decodeTensors(TextWeights w) {
        List<Tensor> all = new ArrayList<>();
        all.add(w.finalNorm());
        all.add(w.lmHead());
        for (TextWeights.Layer l : w.layers()) {
            for (Tensor t : new Tensor[] {l.inputNorm(), l.q(), l.k(), l.v(), l.o(), l.postAttnNorm(), l.preFfnNorm(),
                    l.postFfnNorm(), l.gate(), l.up(), l.down()}) {
                if (t != null) {
                    all.add(t);
                }
            }
        }
        return all;
    }
}
