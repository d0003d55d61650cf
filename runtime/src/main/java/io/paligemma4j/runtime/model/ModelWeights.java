package io.paligemma4j.runtime.model;

import static io.paligemma4j.loader.TensorNames.*;

import io.paligemma4j.loader.Checkpoint;
import io.paligemma4j.loader.PaliGemmaConfig;
import io.paligemma4j.loader.Tensor;
import io.paligemma4j.loader.TensorNames.Prefixes;
import io.paligemma4j.loader.TextConfig;
import io.paligemma4j.loader.VisionConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Every weight PaliGemma needs, looked up by name and checked against the config's shapes and the
 * supported dtypes. Missing tensors and wrong shapes fail here, with the tensor's name, before any
 * computation.
 */
public record ModelWeights(VisionWeights vision, Tensor projectorWeight, Tensor projectorBias, TextWeights text) {

    public static ModelWeights bind(PaliGemmaConfig config, Checkpoint ckpt) {
        Prefixes p = Prefixes.PALIGEMMA;
        VisionConfig vc = config.vision();
        TextConfig tc = config.text();
        Binder b = new Binder(ckpt);
        long dv = vc.hiddenSize();
        long d = tc.hiddenSize();
        VisionWeights vision = bindVision(b, p, vc);
        Tensor projW = b.get(projector(p, "weight"), d, dv);
        Tensor projB = b.get(projector(p, "bias"), d);
        return new ModelWeights(vision, projW, projB, bindText(b, p, tc));
    }

    public static VisionWeights bindVision(Binder b, Prefixes p, VisionConfig vc) {
        long dv = vc.hiddenSize();
        long fv = vc.intermediateSize();
        List<VisionWeights.Layer> layers = new ArrayList<>();
        for (int i = 0; i < vc.numLayers(); i++) {
            layers.add(new VisionWeights.Layer(
                    b.get(visionLayer(p, i, "layer_norm1.weight"), dv),
                    b.get(visionLayer(p, i, "layer_norm1.bias"), dv),
                    b.get(visionLayer(p, i, "self_attn.q_proj.weight"), dv, dv),
                    b.get(visionLayer(p, i, "self_attn.q_proj.bias"), dv),
                    b.get(visionLayer(p, i, "self_attn.k_proj.weight"), dv, dv),
                    b.get(visionLayer(p, i, "self_attn.k_proj.bias"), dv),
                    b.get(visionLayer(p, i, "self_attn.v_proj.weight"), dv, dv),
                    b.get(visionLayer(p, i, "self_attn.v_proj.bias"), dv),
                    b.get(visionLayer(p, i, "self_attn.out_proj.weight"), dv, dv),
                    b.get(visionLayer(p, i, "self_attn.out_proj.bias"), dv),
                    b.get(visionLayer(p, i, "layer_norm2.weight"), dv),
                    b.get(visionLayer(p, i, "layer_norm2.bias"), dv),
                    b.get(visionLayer(p, i, "mlp.fc1.weight"), fv, dv),
                    b.get(visionLayer(p, i, "mlp.fc1.bias"), fv),
                    b.get(visionLayer(p, i, "mlp.fc2.weight"), dv, fv),
                    b.get(visionLayer(p, i, "mlp.fc2.bias"), dv)));
        }
        return new VisionWeights(
                b.get(patchWeight(p), dv, vc.numChannels(), vc.patchSize(), vc.patchSize()),
                b.get(patchBias(p), dv),
                b.get(positionEmbedding(p), vc.numPatches(), dv),
                List.copyOf(layers),
                b.get(postLayerNorm(p, "weight"), dv),
                b.get(postLayerNorm(p, "bias"), dv));
    }

    public static TextWeights bindText(Binder b, Prefixes p, TextConfig tc) {
        long d = tc.hiddenSize();
        long f = tc.intermediateSize();
        long qd = tc.qDim();
        long kvd = tc.kvDim();
        boolean g2 = tc.isGemma2();
        List<TextWeights.Layer> layers = new ArrayList<>();
        for (int j = 0; j < tc.numLayers(); j++) {
            layers.add(new TextWeights.Layer(
                    b.get(textLayer(p, j, "input_layernorm.weight"), d),
                    b.get(textLayer(p, j, "self_attn.q_proj.weight"), qd, d),
                    b.get(textLayer(p, j, "self_attn.k_proj.weight"), kvd, d),
                    b.get(textLayer(p, j, "self_attn.v_proj.weight"), kvd, d),
                    b.get(textLayer(p, j, "self_attn.o_proj.weight"), d, qd),
                    g2 ? b.get(textLayer(p, j, "post_attention_layernorm.weight"), d) : null,
                    g2 ? b.get(textLayer(p, j, "pre_feedforward_layernorm.weight"), d)
                       : b.get(textLayer(p, j, "post_attention_layernorm.weight"), d),
                    g2 ? b.get(textLayer(p, j, "post_feedforward_layernorm.weight"), d) : null,
                    b.get(textLayer(p, j, "mlp.gate_proj.weight"), f, d),
                    b.get(textLayer(p, j, "mlp.up_proj.weight"), f, d),
                    b.get(textLayer(p, j, "mlp.down_proj.weight"), d, f)));
        }
        Tensor embed = b.get(embedTokens(p), tc.vocabSize(), d);
        // PaliGemma's safetensors hold no lm_head: the head is tied to the embedding unless a checkpoint stores its own.
        Tensor head = b.ckpt.has(lmHead(p)) ? b.get(lmHead(p), tc.vocabSize(), d) : embed;
        return new TextWeights(embed, List.copyOf(layers), b.get(finalNorm(p), d), head);
    }

    /** Looks tensors up and checks dtype and shape. */
    public record Binder(Checkpoint ckpt) {
        public Tensor get(String name, long... shape) {
            return ckpt.get(name).requireFloatWeight().requireShape(shape);
        }
    }
}
