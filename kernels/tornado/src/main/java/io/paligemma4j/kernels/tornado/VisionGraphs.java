package io.paligemma4j.kernels.tornado;

import static uk.ac.manchester.tornado.api.enums.DataTransferMode.EVERY_EXECUTION;
import static uk.ac.manchester.tornado.api.enums.DataTransferMode.FIRST_EXECUTION;

import io.paligemma4j.loader.PaliGemmaConfig;
import io.paligemma4j.loader.VisionConfig;
import io.paligemma4j.runtime.model.ModelWeights;
import io.paligemma4j.runtime.model.VisionWeights;
import java.util.ArrayList;
import java.util.List;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * SigLIP and the projector as task graphs: {@code vision.embed} (pixels in), one
 * {@code vision.L<i>} per encoder layer, {@code vision.proj} (features out). The residual stream
 * and scratch stay on the device, handed from each graph to the next.
 */
final class VisionGraphs {
    static final String EMBED = "vision.embed";
    static final String PROJ = "vision.proj";

    final FloatArray pixels;
    final FloatArray features;
    final List<TaskGraph> graphs = new ArrayList<>();

    private final KernelContext ctx = new KernelContext();
    private final FloatArray pow2 = Weights16.powersOfTwo();
    private final IntArray step;
    private final FloatArray x;
    private final FloatArray h;
    private final FloatArray q;
    private final FloatArray k;
    private final FloatArray v;
    private final FloatArray o;
    private final FloatArray f;

    VisionGraphs(PaliGemmaConfig config, ModelWeights w, Grids grids, PrivateMaps maps) {
        VisionConfig vc = config.vision();
        int n = vc.numPatches();
        int dv = vc.hiddenSize();
        int fv = vc.intermediateSize();
        int d = config.text().hiddenSize();
        int hd = vc.headDim();
        if (hd > Tiles.ATT_MAX_HEAD_DIM) {
            throw new IllegalArgumentException("vision head size " + hd + " exceeds the attention kernel's " + Tiles.ATT_MAX_HEAD_DIM);
        }
        int patchK = vc.numChannels() * vc.patchSize() * vc.patchSize();
        step = new IntArray(Step.SIZE);
        step.init(0);
        step.set(Step.ROWS, n);
        step.set(Step.PREFIX, n);
        pixels = DeviceArrays.scratch(3L * vc.imageSize() * vc.imageSize());
        features = DeviceArrays.scratch((long) n * d);
        x = DeviceArrays.scratch((long) n * dv);
        h = DeviceArrays.scratch((long) n * dv);
        q = DeviceArrays.scratch((long) n * dv);
        k = DeviceArrays.scratch((long) n * dv);
        v = DeviceArrays.scratch((long) n * dv);
        o = DeviceArrays.scratch((long) n * dv);
        f = DeviceArrays.scratch((long) n * Math.max(fv, patchK));
        VisionWeights vw = w.vision();
        float eps = (float) vc.layerNormEps();

        // Patch embedding: im2col, one GEMM against the flattened conv weight, plus positions.
        Weights16.Matrix pw = Weights16.upload(vw.patchWeight(), maps);
        FloatArray pb = DeviceArrays.floats(vw.patchBias());
        FloatArray pos = DeviceArrays.floats(vw.positionEmbedding());
        TaskGraph e = new TaskGraph(EMBED)
                .transferToDevice(EVERY_EXECUTION, pixels)
                .transferToDevice(FIRST_EXECUTION, step, f, x, pow2, pw.bits(), pb, pos)
                .task("im2col", EmbeddingKernels::im2col, ctx, pixels, f, vc.imageSize(), vc.patchSize(), vc.numChannels())
                .task("patch", MatmulKernels::gemm, ctx, f, pw.bits(), pow2, pb, x, step, patchK, dv, pw.format(), 1, 0, 1)
                .task("pos", ElementwiseKernels::add, ctx, x, pos, step, dv)
                .persistOnDevice(x, step, f);
        grids.elementwise(EMBED, "im2col", (long) n * patchK);
        grids.gemm(EMBED, "patch", n, dv);
        grids.elementwise(EMBED, "pos", (long) n * dv);
        graphs.add(e);

        String prev = EMBED;
        float scale = (float) (1.0 / Math.sqrt(hd));
        for (int i = 0; i < vw.layers().size(); i++) {
            VisionWeights.Layer l = vw.layers().get(i);
            String name = "vision.L" + i;
            TaskGraph g = new TaskGraph(name).consumeFromDevice(prev, x, step, f);
            if (i == 0) {
                g.transferToDevice(FIRST_EXECUTION, h, q, k, v, o);
            } else {
                g.consumeFromDevice(prev, h, q, k, v, o);
            }
            Weights16.Matrix wq = Weights16.upload(l.qWeight(), maps);
            Weights16.Matrix wk = Weights16.upload(l.kWeight(), maps);
            Weights16.Matrix wv = Weights16.upload(l.vWeight(), maps);
            Weights16.Matrix wo = Weights16.upload(l.outWeight(), maps);
            Weights16.Matrix w1 = Weights16.upload(l.fc1Weight(), maps);
            Weights16.Matrix w2 = Weights16.upload(l.fc2Weight(), maps);
            FloatArray ln1w = DeviceArrays.floats(l.ln1Weight());
            FloatArray ln1b = DeviceArrays.floats(l.ln1Bias());
            FloatArray ln2w = DeviceArrays.floats(l.ln2Weight());
            FloatArray ln2b = DeviceArrays.floats(l.ln2Bias());
            FloatArray bq = DeviceArrays.floats(l.qBias());
            FloatArray bk = DeviceArrays.floats(l.kBias());
            FloatArray bv = DeviceArrays.floats(l.vBias());
            FloatArray bo = DeviceArrays.floats(l.outBias());
            FloatArray b1 = DeviceArrays.floats(l.fc1Bias());
            FloatArray b2 = DeviceArrays.floats(l.fc2Bias());
            g.transferToDevice(FIRST_EXECUTION, pow2, wq.bits(), wk.bits(), wv.bits(), wo.bits(), w1.bits(), w2.bits(),
                            ln1w, ln1b, ln2w, ln2b, bq, bk, bv, bo, b1, b2)
                    .task("ln1", NormKernels::layerNorm, ctx, x, ln1w, ln1b, h, step, dv, eps)
                    .task("q", MatmulKernels::gemm, ctx, h, wq.bits(), pow2, bq, q, step, dv, dv, wq.format(), 1, 0, 1)
                    .task("k", MatmulKernels::gemm, ctx, h, wk.bits(), pow2, bk, k, step, dv, dv, wk.format(), 1, 0, 1)
                    .task("v", MatmulKernels::gemm, ctx, h, wv.bits(), pow2, bv, v, step, dv, dv, wv.format(), 1, 0, 1)
                    .task("attn", AttentionKernels::attention, ctx, q, k, v, o, step, vc.numHeads(), vc.numHeads(), hd,
                            scale, 0f, 0, n)
                    .task("out", MatmulKernels::gemm, ctx, o, wo.bits(), pow2, bo, h, step, dv, dv, wo.format(), 1, 0, 1)
                    .task("add1", ElementwiseKernels::add, ctx, x, h, step, dv)
                    .task("ln2", NormKernels::layerNorm, ctx, x, ln2w, ln2b, h, step, dv, eps)
                    .task("fc1", MatmulKernels::gemm, ctx, h, w1.bits(), pow2, b1, f, step, dv, fv, w1.format(), 1, 0, 1)
                    .task("gelu", ActivationKernels::geluTanh, ctx, f, step, fv)
                    .task("fc2", MatmulKernels::gemm, ctx, f, w2.bits(), pow2, b2, h, step, fv, dv, w2.format(), 1, 0, 1)
                    .task("add2", ElementwiseKernels::add, ctx, x, h, step, dv)
                    .persistOnDevice(x, step, f, h, q, k, v, o);
            grids.perRow(name, "ln1", n);
            grids.gemm(name, "q", n, dv);
            grids.gemm(name, "k", n, dv);
            grids.gemm(name, "v", n, dv);
            grids.attention(name, "attn", n, vc.numHeads(), vc.numHeads());
            grids.gemm(name, "out", n, dv);
            grids.elementwise(name, "add1", (long) n * dv);
            grids.perRow(name, "ln2", n);
            grids.gemm(name, "fc1", n, fv);
            grids.elementwise(name, "gelu", (long) n * fv);
            grids.gemm(name, "fc2", n, dv);
            grids.elementwise(name, "add2", (long) n * dv);
            graphs.add(g);
            prev = name;
        }

        Weights16.Matrix pj = Weights16.upload(w.projectorWeight(), maps);
        FloatArray pjb = DeviceArrays.floats(w.projectorBias());
        FloatArray postW = DeviceArrays.floats(vw.postNormWeight());
        FloatArray postB = DeviceArrays.floats(vw.postNormBias());
        TaskGraph p = new TaskGraph(PROJ).consumeFromDevice(prev, x, step, f, h)
                .transferToDevice(FIRST_EXECUTION, pow2, pj.bits(), pjb, postW, postB, features)
                .task("post", NormKernels::layerNorm, ctx, x, postW, postB, h, step, dv, eps)
                .task("proj", MatmulKernels::gemm, ctx, h, pj.bits(), pow2, pjb, features, step, dv, d, pj.format(), 1, 0, 1)
                .transferToHost(EVERY_EXECUTION, features);
        grids.perRow(PROJ, "post", n);
        grids.gemm(PROJ, "proj", n, d);
        graphs.add(p);
    }
}
