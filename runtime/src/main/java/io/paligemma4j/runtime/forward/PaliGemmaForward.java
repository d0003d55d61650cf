package io.paligemma4j.runtime.forward;

import static io.paligemma4j.runtime.forward.BufferSpec.Io.DEVICE;
import static io.paligemma4j.runtime.forward.BufferSpec.Io.FROM_HOST;
import static io.paligemma4j.runtime.forward.BufferSpec.Io.TO_HOST;

import io.paligemma4j.kernels.AttentionShape;
import io.paligemma4j.loader.PaliGemmaConfig;
import io.paligemma4j.loader.Tensor;
import io.paligemma4j.loader.TextConfig;
import io.paligemma4j.loader.VisionConfig;
import io.paligemma4j.runtime.forward.Stage.Phase;
import io.paligemma4j.runtime.model.ModelWeights;
import io.paligemma4j.runtime.model.TextWeights;
import io.paligemma4j.runtime.model.VisionWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * PaliGemma's forward pass, the one place it is written: the SigLIP tower and the linear projector,
 * then the Gemma / Gemma 2 decoder and its head, as {@link Stage}s of {@link LayerOps} over the
 * buffers {@link #buffers} lists. Every quantity derived from the config (attention scales, the
 * embedding scale, buffer sizes) is computed here.
 */
public final class PaliGemmaForward<B> {
    private final PaliGemmaConfig config;
    private final ModelWeights w;
    private final Program<B> program;
    private final AttentionShape visionShape;
    private final List<AttentionShape> textShapes = new ArrayList<>();

    // Vision tower: [patches, width] unless noted.
    private final B pixels;
    private final B vx;
    private final B vh;
    private final B vq;
    private final B vk;
    private final B vv;
    private final B vo;
    private final B vf;
    private final B features;
    // Decoder: [capacity, width]; the KV cache is sequence-addressed.
    private final B imageFeatures;
    private final B x;
    private final B h;
    private final B q;
    private final B attn;
    private final B tmp;
    private final B ffn;
    private final List<B> kCache = new ArrayList<>();
    private final List<B> vCache = new ArrayList<>();
    private final B hLast;
    private final B logits;

    /** Allocates every buffer through {@code allocate}, in {@link #buffers} order. */
    public PaliGemmaForward(PaliGemmaConfig config, ModelWeights weights, int capacity, Function<BufferSpec, B> allocate) {
        this.config = config;
        this.w = weights;
        List<BufferSpec> specs = buffers(config, capacity);
        int i = 0;
        pixels = allocate.apply(specs.get(i++));
        vx = allocate.apply(specs.get(i++));
        vh = allocate.apply(specs.get(i++));
        vq = allocate.apply(specs.get(i++));
        vk = allocate.apply(specs.get(i++));
        vv = allocate.apply(specs.get(i++));
        vo = allocate.apply(specs.get(i++));
        vf = allocate.apply(specs.get(i++));
        features = allocate.apply(specs.get(i++));
        imageFeatures = allocate.apply(specs.get(i++));
        x = allocate.apply(specs.get(i++));
        h = allocate.apply(specs.get(i++));
        q = allocate.apply(specs.get(i++));
        attn = allocate.apply(specs.get(i++));
        tmp = allocate.apply(specs.get(i++));
        ffn = allocate.apply(specs.get(i++));
        hLast = allocate.apply(specs.get(i++));
        logits = allocate.apply(specs.get(i++));
        for (int j = 0; j < config.text().numLayers(); j++) {
            kCache.add(allocate.apply(specs.get(i++)));
            vCache.add(allocate.apply(specs.get(i++)));
        }
        visionShape = visionAttention(config.vision());
        for (int j = 0; j < config.text().numLayers(); j++) {
            textShapes.add(textAttention(config.text(), j));
        }
        program = build();
    }

    /** The activation buffers for {@code capacity} rows (image + text), in allocation order. */
    public static List<BufferSpec> buffers(PaliGemmaConfig config, int capacity) {
        VisionConfig vc = config.vision();
        TextConfig tc = config.text();
        int n = vc.numPatches();
        int dv = vc.hiddenSize();
        int d = tc.hiddenSize();
        List<BufferSpec> s = new ArrayList<>(List.of(
                new BufferSpec("pixels", 1, vc.numChannels() * vc.imageSize() * vc.imageSize(), false, FROM_HOST),
                new BufferSpec("vision.x", n, dv, false, DEVICE),
                new BufferSpec("vision.h", n, dv, false, DEVICE),
                new BufferSpec("vision.q", n, dv, false, DEVICE),
                new BufferSpec("vision.k", n, dv, false, DEVICE),
                new BufferSpec("vision.v", n, dv, false, DEVICE),
                new BufferSpec("vision.attn", n, dv, false, DEVICE),
                new BufferSpec("vision.mlp", n, vc.intermediateSize(), false, DEVICE),
                new BufferSpec("features", n, d, false, TO_HOST),
                new BufferSpec("text.image", config.numImageTokens(), d, false, FROM_HOST),
                new BufferSpec("text.x", capacity, d, false, DEVICE),
                new BufferSpec("text.h", capacity, d, false, DEVICE),
                new BufferSpec("text.q", capacity, tc.qDim(), false, DEVICE),
                new BufferSpec("text.attn", capacity, tc.qDim(), false, DEVICE),
                new BufferSpec("text.tmp", capacity, d, false, DEVICE),
                new BufferSpec("text.mlp", capacity, tc.intermediateSize(), false, DEVICE),
                new BufferSpec("text.last", 1, d, false, DEVICE),
                new BufferSpec("logits", 1, tc.vocabSize(), false, TO_HOST)));
        for (int j = 0; j < tc.numLayers(); j++) {
            s.add(new BufferSpec("text.k" + j, capacity, tc.kvDim(), true, DEVICE));
            s.add(new BufferSpec("text.v" + j, capacity, tc.kvDim(), true, DEVICE));
        }
        return List.copyOf(s);
    }

    /** Bytes of {@link #buffers}. */
    public static long activationBytes(PaliGemmaConfig config, int capacity) {
        return buffers(config, capacity).stream().mapToLong(BufferSpec::bytes).sum();
    }

    /** {@code sqrt(hidden)} rounded to the embedding's stored dtype, as the Hugging Face code computes it. */
    public static float embedScale(TextConfig tc, Tensor embedTokens) {
        return Tensor.roundTo(embedTokens.dtype(), (float) Math.sqrt(tc.hiddenSize()));
    }

    /** SigLIP attention: every head its own kv head, {@code 1/sqrt(headDim)}, no soft-cap, no window. */
    public static AttentionShape visionAttention(VisionConfig vc) {
        return new AttentionShape(vc.numHeads(), vc.numHeads(), vc.headDim(), (float) (1.0 / Math.sqrt(vc.headDim())), 0f, 0);
    }

    /** Decoder layer {@code j}'s attention: MQA/GQA heads, the config's scale, soft-cap and (Gemma 2) window. */
    public static AttentionShape textAttention(TextConfig tc, int j) {
        return new AttentionShape(tc.numHeads(), tc.numKvHeads(), tc.headDim(), (float) tc.attentionScale(),
                (float) tc.attnLogitSoftcap(), tc.windowOf(j));
    }

    public Program<B> program() {
        return program;
    }

    public B pixels() {
        return pixels;
    }

    public B features() {
        return features;
    }

    public B imageFeatures() {
        return imageFeatures;
    }

    public B logits() {
        return logits;
    }

    private Program<B> build() {
        List<Stage<B>> vision = new ArrayList<>();
        VisionConfig vc = config.vision();
        VisionWeights vw = w.vision();
        vision.add(new Stage<>("vision.embed", Phase.VISION, ops -> ops.patchEmbed(pixels, vc.imageSize(), vc.patchSize(),
                vw.patchWeight(), vw.patchBias(), vw.positionEmbedding(), vx)));
        for (int i = 0; i < vw.layers().size(); i++) {
            VisionWeights.Layer l = vw.layers().get(i);
            vision.add(new Stage<>("vision.L" + i, Phase.VISION, ops -> visionLayer(ops, l)));
        }
        vision.add(new Stage<>("vision.proj", Phase.VISION, ops -> {
            ops.layerNorm(vx, vw.postNormWeight(), vw.postNormBias(), (float) vc.layerNormEps(), vh);
            ops.linear(vh, w.projectorWeight(), w.projectorBias(), features);
        }));

        TextConfig tc = config.text();
        TextWeights tw = w.text();
        float scale = embedScale(tc, tw.embedTokens());
        Stage<B> image = new Stage<>("text.image", Phase.TEXT, ops -> ops.copyRows(imageFeatures, x));
        Stage<B> embed = new Stage<>("text.embed", Phase.TEXT, ops -> ops.embed(tw.embedTokens(), scale, x));
        List<Stage<B>> decode = new ArrayList<>(List.of(embed));
        for (int j = 0; j < tc.numLayers(); j++) {
            int layer = j;
            decode.add(new Stage<>("text.L" + j, Phase.TEXT, ops -> textLayer(ops, layer)));
        }
        List<Stage<B>> prefill = new ArrayList<>(List.of(image));
        prefill.addAll(decode);
        Stage<B> head = new Stage<>("text.logits", Phase.LOGITS, ops -> {
            ops.rmsNormRow(x, tw.finalNorm(), (float) tc.rmsNormEps(), hLast);
            ops.linear(hLast, tw.lmHead(), null, logits);
            if (tc.finalLogitSoftcap() > 0) {
                ops.softcap(logits, (float) tc.finalLogitSoftcap());
            }
        });
        return new Program<>(List.copyOf(vision), List.copyOf(prefill), List.copyOf(decode), head, logits);
    }

    /** A SigLIP encoder block: pre-LayerNorm attention and GELU-tanh MLP, each with a residual add. */
    private void visionLayer(LayerOps<B> ops, VisionWeights.Layer l) {
        VisionConfig vc = config.vision();
        float eps = (float) vc.layerNormEps();
        ops.layerNorm(vx, l.ln1Weight(), l.ln1Bias(), eps, vh);
        ops.linear(vh, l.qWeight(), l.qBias(), vq);
        ops.linear(vh, l.kWeight(), l.kBias(), vk);
        ops.linear(vh, l.vWeight(), l.vBias(), vv);
        ops.attention(visionShape, vq, vk, vv, vo);
        ops.linear(vo, l.outWeight(), l.outBias(), vh);
        ops.add(vx, vh);
        ops.layerNorm(vx, l.ln2Weight(), l.ln2Bias(), eps, vh);
        ops.linear(vh, l.fc1Weight(), l.fc1Bias(), vf);
        ops.geluTanh(vf);
        ops.linear(vf, l.fc2Weight(), l.fc2Bias(), vh);
        ops.add(vx, vh);
    }

    /**
     * A Gemma decoder layer: RMSNorm, q/k/v (k and v into the KV cache at the pass's positions),
     * RoPE, prefix-LM attention, output projection, residual; RMSNorm, GeGLU MLP, residual. Gemma 2
     * adds a norm after the attention and after the MLP, before each residual add.
     */
    private void textLayer(LayerOps<B> ops, int j) {
        TextConfig tc = config.text();
        TextWeights.Layer l = w.text().layers().get(j);
        float eps = (float) tc.rmsNormEps();
        B k = kCache.get(j);
        B v = vCache.get(j);
        ops.rmsNorm(x, l.inputNorm(), eps, h);
        ops.linear(h, l.q(), null, q);
        ops.linear(h, l.k(), null, k);
        ops.linear(h, l.v(), null, v);
        ops.rope(q, tc.numHeads(), tc.headDim(), tc.ropeTheta());
        ops.rope(k, tc.numKvHeads(), tc.headDim(), tc.ropeTheta());
        ops.attention(textShapes.get(j), q, k, v, attn);
        ops.linear(attn, l.o(), null, tmp);
        if (l.postAttnNorm() != null) {
            ops.rmsNorm(tmp, l.postAttnNorm(), eps, tmp);
        }
        ops.add(x, tmp);
        ops.rmsNorm(x, l.preFfnNorm(), eps, h);
        ops.gateUpGeglu(h, l.gate(), l.up(), ffn);
        ops.linear(ffn, l.down(), null, tmp);
        if (l.postFfnNorm() != null) {
            ops.rmsNorm(tmp, l.postFfnNorm(), eps, tmp);
        }
        ops.add(x, tmp);
    }
}
