package io.paligemma4j.runtime;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import io.paligemma4j.kernels.AttentionShape;
import io.paligemma4j.kernels.Kernels;
import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.PaliGemmaConfig;
import io.paligemma4j.loader.Tensor;
import io.paligemma4j.loader.TextConfig;
import io.paligemma4j.loader.VisionConfig;
import io.paligemma4j.runtime.model.ModelWeights;
import io.paligemma4j.runtime.model.TextWeights;
import io.paligemma4j.runtime.model.VisionWeights;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the model op by op on a CPU {@link Kernels} set: the stages (vision embed, vision layers,
 * projector, text embed, text layers, logits) as plain method calls. Buffers and the KV cache are
 * off-heap and allocated once, at open.
 */
public final class EagerEngine implements Engine {
    private final Kernels k;
    private final PaliGemmaConfig config;
    private final ModelWeights w;
    private final int capacity;
    private final Arena arena = Arena.ofShared();
    private final List<AttentionShape> textAttention = new ArrayList<>();
    private final AttentionShape visionAttention;
    private final float embedScale;

    // Text buffers, [capacity, width].
    private final MemorySegment x;
    private final MemorySegment h;
    private final MemorySegment q;
    private final MemorySegment attn;
    private final MemorySegment tmp;
    private final MemorySegment ffn;
    private final MemorySegment logits;
    private final MemorySegment[] kCache;
    private final MemorySegment[] vCache;
    // Vision buffers, allocated on first use.
    private MemorySegment vx;
    private MemorySegment vh;
    private MemorySegment vq;
    private MemorySegment vk;
    private MemorySegment vv;
    private MemorySegment vo;
    private MemorySegment vf;
    private MemorySegment pix;

    private int length;
    private int prefixLen;

    public EagerEngine(Kernels kernels, PaliGemmaModel model, int capacity) {
        this.k = kernels;
        this.config = model.config();
        this.w = model.weights();
        this.capacity = capacity;
        TextConfig tc = config.text();
        VisionConfig vc = config.vision();
        for (int j = 0; j < tc.numLayers(); j++) {
            textAttention.add(new AttentionShape(tc.numHeads(), tc.numKvHeads(), tc.headDim(),
                    (float) tc.attentionScale(), (float) tc.attnLogitSoftcap(), tc.windowOf(j)));
        }
        visionAttention = new AttentionShape(vc.numHeads(), vc.numHeads(), vc.headDim(),
                (float) (1.0 / Math.sqrt(vc.headDim())), 0f, 0);
        // sqrt(D) rounded to the embedding's stored dtype, as the reference implementations do.
        embedScale = Tensor.roundTo(w.text().embedTokens().dtype(), (float) Math.sqrt(tc.hiddenSize()));
        long d = tc.hiddenSize();
        long floats = (long) capacity * (3 * d + 2L * tc.qDim() + tc.intermediateSize())
                + 2L * tc.numLayers() * capacity * tc.kvDim() + tc.vocabSize();
        MemoryBudget.require(floats * 4, "the KV cache and activations for " + capacity + " tokens");
        x = alloc((long) capacity * d);
        h = alloc((long) capacity * d);
        tmp = alloc((long) capacity * d);
        q = alloc((long) capacity * tc.qDim());
        attn = alloc((long) capacity * tc.qDim());
        ffn = alloc((long) capacity * tc.intermediateSize());
        logits = alloc(tc.vocabSize());
        kCache = new MemorySegment[tc.numLayers()];
        vCache = new MemorySegment[tc.numLayers()];
        for (int j = 0; j < tc.numLayers(); j++) {
            kCache[j] = alloc((long) capacity * tc.kvDim());
            vCache[j] = alloc((long) capacity * tc.kvDim());
        }
    }

    private MemorySegment alloc(long floats) {
        return arena.allocate(JAVA_FLOAT, Math.max(1, floats));
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public float[] encodeImage(float[] pixels) {
        EngineInputs.checkPixels(config, pixels);
        VisionConfig vc = config.vision();
        int s = vc.imageSize();
        int n = vc.numPatches();
        long dv = vc.hiddenSize();
        if (vx == null) {
            MemoryBudget.require(4 * (6 * n * dv + (long) n * Math.max(vc.intermediateSize(), config.text().hiddenSize())),
                    "the vision tower's activations");
            vx = alloc(n * dv);
            vh = alloc(n * dv);
            vq = alloc(n * dv);
            vk = alloc(n * dv);
            vv = alloc(n * dv);
            vo = alloc(n * dv);
            vf = alloc((long) n * Math.max(vc.intermediateSize(), config.text().hiddenSize()));
            pix = alloc(pixels.length);
        }
        MemorySegment.copy(pixels, 0, pix, JAVA_FLOAT, 0, pixels.length);
        VisionWeights vw = w.vision();
        k.patchEmbed(pix, s, vc.patchSize(), vw.patchWeight(), vw.patchBias(), vw.positionEmbedding(), vx);
        float eps = (float) vc.layerNormEps();
        int dvi = vc.hiddenSize();
        for (VisionWeights.Layer l : vw.layers()) {
            k.layerNorm(vx, n, dvi, l.ln1Weight(), l.ln1Bias(), eps, vh);
            k.matmul(vh, n, dvi, l.qWeight(), l.qBias(), vq);
            k.matmul(vh, n, dvi, l.kWeight(), l.kBias(), vk);
            k.matmul(vh, n, dvi, l.vWeight(), l.vBias(), vv);
            k.attention(visionAttention, vq, n, 0, n, vk, vv, n, vo);
            k.matmul(vo, n, dvi, l.outWeight(), l.outBias(), vh);
            k.add(vx, vh, n * dv);
            k.layerNorm(vx, n, dvi, l.ln2Weight(), l.ln2Bias(), eps, vh);
            k.matmul(vh, n, dvi, l.fc1Weight(), l.fc1Bias(), vf);
            k.geluTanh(vf, (long) n * vc.intermediateSize());
            k.matmul(vf, n, vc.intermediateSize(), l.fc2Weight(), l.fc2Bias(), vh);
            k.add(vx, vh, n * dv);
        }
        k.layerNorm(vx, n, dvi, vw.postNormWeight(), vw.postNormBias(), eps, vh);
        k.matmul(vh, n, dvi, w.projectorWeight(), w.projectorBias(), vf);
        return vf.asSlice(0, (long) n * config.text().hiddenSize() * 4).toArray(JAVA_FLOAT);
    }

    @Override
    public float[] prefill(float[] imageFeatures, int[] tokens, int prefixLen, boolean allLogits) {
        int rows = EngineInputs.checkPrefill(config, capacity, imageFeatures, tokens, prefixLen);
        int d = config.text().hiddenSize();
        int nImg = config.numImageTokens();
        MemorySegment.copy(imageFeatures, 0, x, JAVA_FLOAT, 0, imageFeatures.length);
        k.embed(w.text().embedTokens(), tokens, embedScale, x.asSlice((long) nImg * d * 4));
        this.prefixLen = prefixLen;
        this.length = 0;
        return forward(rows, allLogits);
    }

    @Override
    public float[] decode(int token) {
        EngineInputs.checkDecode(config, length, capacity, token);
        int d = config.text().hiddenSize();
        k.embed(w.text().embedTokens(), new int[] {token}, embedScale, x.asSlice((long) length * d * 4));
        return forward(1, false);
    }

    /** Runs rows [length, length + n) of x through the decoder; they must already hold embeddings. */
    private float[] forward(int n, boolean allLogits) {
        TextConfig tc = config.text();
        TextWeights tw = w.text();
        int start = length;
        int d = tc.hiddenSize();
        float eps = (float) tc.rmsNormEps();
        long off = (long) start * d * 4;
        MemorySegment xs = x.asSlice(off);
        long nd = (long) n * d;
        for (int j = 0; j < tc.numLayers(); j++) {
            TextWeights.Layer l = tw.layers().get(j);
            MemorySegment kRows = kCache[j].asSlice((long) start * tc.kvDim() * 4);
            MemorySegment vRows = vCache[j].asSlice((long) start * tc.kvDim() * 4);
            k.rmsNorm(xs, n, d, l.inputNorm(), eps, h);
            k.matmul(h, n, d, l.q(), null, q);
            k.matmul(h, n, d, l.k(), null, kRows);
            k.matmul(h, n, d, l.v(), null, vRows);
            k.rope(q, n, tc.numHeads(), tc.headDim(), start, tc.ropeTheta());
            k.rope(kRows, n, tc.numKvHeads(), tc.headDim(), start, tc.ropeTheta());
            k.attention(textAttention.get(j), q, n, start, prefixLen, kCache[j], vCache[j], start + n, attn);
            k.matmul(attn, n, tc.qDim(), l.o(), null, tmp);
            if (l.postAttnNorm() != null) {
                k.rmsNorm(tmp, n, d, l.postAttnNorm(), eps, tmp);
            }
            k.add(xs, tmp, nd);
            k.rmsNorm(xs, n, d, l.preFfnNorm(), eps, h);
            k.gateUpGeglu(h, n, d, l.gate(), l.up(), ffn);
            k.matmul(ffn, n, tc.intermediateSize(), l.down(), null, tmp);
            if (l.postFfnNorm() != null) {
                k.rmsNorm(tmp, n, d, l.postFfnNorm(), eps, tmp);
            }
            k.add(xs, tmp, nd);
        }
        length = start + n;
        int vocab = tc.vocabSize();
        if (!allLogits) {
            k.rmsNorm(xs.asSlice((long) (n - 1) * d * 4), 1, d, tw.finalNorm(), eps, h);
            k.matmul(h, 1, d, tw.lmHead(), null, logits);
            if (tc.finalLogitSoftcap() > 0) {
                k.softcap(logits, vocab, (float) tc.finalLogitSoftcap());
            }
            return logits.toArray(JAVA_FLOAT);
        }
        k.rmsNorm(xs, n, d, tw.finalNorm(), eps, h);
        try (Arena tmpArena = Arena.ofShared()) {
            MemorySegment all = tmpArena.allocate(JAVA_FLOAT, (long) n * vocab);
            k.matmul(h, n, d, tw.lmHead(), null, all);
            if (tc.finalLogitSoftcap() > 0) {
                k.softcap(all, (long) n * vocab, (float) tc.finalLogitSoftcap());
            }
            return all.toArray(JAVA_FLOAT);
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
