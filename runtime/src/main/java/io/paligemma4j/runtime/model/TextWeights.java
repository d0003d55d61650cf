package io.paligemma4j.runtime.model;

import io.paligemma4j.loader.Tensor;
import java.util.List;

/** Gemma / Gemma 2 decoder weights; {@code lmHead} is {@code embedTokens} when the head is tied. */
public record TextWeights(Tensor embedTokens, List<Layer> layers, Tensor finalNorm, Tensor lmHead) {
    /**
     * One decoder layer. {@code preFfnNorm} is HF Gemma 1's {@code post_attention_layernorm} (the
     * naming trap) or Gemma 2's {@code pre_feedforward_layernorm}; the post norms exist only in Gemma 2.
     */
    public record Layer(Tensor inputNorm, Tensor q, Tensor k, Tensor v, Tensor o, Tensor postAttnNorm,
                        Tensor preFfnNorm, Tensor postFfnNorm, Tensor gate, Tensor up, Tensor down) {}
}
