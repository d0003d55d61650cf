package io.paligemma4j.runtime.model;

import io.paligemma4j.loader.Tensor;
import java.util.List;

/** SigLIP tower weights, bound and shape-checked against the config. */
public record VisionWeights(Tensor patchWeight, Tensor patchBias, Tensor positionEmbedding,
                            List<Layer> layers, Tensor postNormWeight, Tensor postNormBias) {
    /** One pre-LN encoder block. Every linear has a bias. */
    public record Layer(Tensor ln1Weight, Tensor ln1Bias, Tensor qWeight, Tensor qBias, Tensor kWeight,
                        Tensor kBias, Tensor vWeight, Tensor vBias, Tensor outWeight, Tensor outBias,
                        Tensor ln2Weight, Tensor ln2Bias, Tensor fc1Weight, Tensor fc1Bias,
                        Tensor fc2Weight, Tensor fc2Bias) {}
}
