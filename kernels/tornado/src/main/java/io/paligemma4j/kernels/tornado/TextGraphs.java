package io.paligemma4j.kernels.tornado;

import static uk.ac.manchester.tornado.api.enums.DataTransferMode.EVERY_EXECUTION;
import static uk.ac.manchester.tornado.api.enums.DataTransferMode.FIRST_EXECUTION;

import io.paligemma4j.loader.PaliGemmaConfig;
import io.paligemma4j.loader.Tensor;
import io.paligemma4j.loader.TextConfig;
import io.paligemma4j.runtime.model.ModelWeights;
import io.paligemma4j.runtime.model.TextWeights;
import java.util.ArrayList;
import java.util.List;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The Gemma / Gemma 2 decoder as task graphs, run in this order:
 * <ul>
 *   <li>{@code text.image} (prefill only): uploads the projected image features into the first
 *       rows of the residual stream x, which it owns, and the prefill's token ids;</li>
 *   <li>{@code text.embed}: uploads the 32-byte step array (row count, position, prefix length, a
 *       decode step's token id) and looks the tokens up;</li>
 *   <li>{@code text.L<j>}: one decoder layer each, holding its weights and its KV cache. Every
 *       matmul has a GEMM task (prefill) and a GEMV task (decode) side by side; the row count in
 *       the step array leaves one of them idle;</li>
 *   <li>{@code text.logits}: final norm of one selected row, LM head, soft-cap; logits to host.</li>
 * </ul>
 * TornadoVM rebinds a consumed buffer from the graph that ran just before, so each graph names
 * every graph that can precede it (text.embed follows text.image at prefill and text.logits at
 * decode; text.logits may follow itself when every row's logits are wanted). text.embed takes the
 * ids only from text.image: at decode it keeps that binding and reads the token from the step.
 */
final class TextGraphs {
    static final String IMAGE = "text.image";
    static final String EMBED = "text.embed";
    static final String LOGITS = "text.logits";

    final FloatArray imageFeatures;
    final IntArray step;
    final IntArray ids;
    final IntArray logitStep;
    final FloatArray logits;
    final List<TaskGraph> graphs = new ArrayList<>();
    final int layers;

    private final KernelContext ctx = new KernelContext();
    private final FloatArray pow2 = Weights16.powersOfTwo();
    private final FloatArray noBias = DeviceArrays.scratch(1);

    TextGraphs(PaliGemmaConfig config, ModelWeights w, int capacity, Grids grids, PrivateMaps maps) {
        TextConfig tc = config.text();
        TextWeights tw = w.text();
        int d = tc.hiddenSize();
        int qd = tc.qDim();
        int kvd = tc.kvDim();
        int ff = tc.intermediateSize();
        int hd = tc.headDim();
        int vocab = tc.vocabSize();
        int nImg = config.numImageTokens();
        if (hd > Tiles.ATT_MAX_HEAD_DIM) {
            throw new IllegalArgumentException("head size " + hd + " exceeds the attention kernel's " + Tiles.ATT_MAX_HEAD_DIM);
        }
        layers = tc.numLayers();
        imageFeatures = DeviceArrays.scratch((long) nImg * d);
        step = new IntArray(Step.SIZE);
        step.init(0);
        ids = new IntArray(capacity);
        ids.init(0);
        logitStep = new IntArray(Step.SIZE);
        logitStep.init(0);
        logitStep.set(Step.ROWS, 1);
        logits = DeviceArrays.scratch(vocab);
        FloatArray x = DeviceArrays.scratch((long) capacity * d);
        FloatArray h = DeviceArrays.scratch((long) capacity * d);
        FloatArray q = DeviceArrays.scratch((long) capacity * qd);
        FloatArray attn = DeviceArrays.scratch((long) capacity * qd);
        FloatArray tmp = DeviceArrays.scratch((long) capacity * d);
        FloatArray gate = DeviceArrays.scratch((long) capacity * ff);
        FloatArray up = DeviceArrays.scratch((long) capacity * ff);
        float[][] cs = RopeTable.build(capacity, hd, tc.ropeTheta());
        FloatArray cos = FloatArray.fromArray(cs[0]);
        FloatArray sin = FloatArray.fromArray(cs[1]);
        float eps = (float) tc.rmsNormEps();

        graphs.add(new TaskGraph(IMAGE)
                .transferToDevice(FIRST_EXECUTION, x)
                .transferToDevice(EVERY_EXECUTION, imageFeatures, ids)
                .task("place", EmbeddingKernels::placeImage, ctx, imageFeatures, x, nImg * d)
                .persistOnDevice(x, ids));
        grids.elementwise(IMAGE, "place", (long) nImg * d);

        // sqrt(D) rounded to the embedding's stored dtype, as the reference implementations do.
        float embedScale = Tensor.roundTo(tw.embedTokens().dtype(), (float) Math.sqrt(d));
        Weights16.Matrix table = Weights16.upload(tw.embedTokens(), maps);
        graphs.add(new TaskGraph(EMBED)
                .consumeFromDevice(IMAGE, x, ids)
                .consumeFromDevice(LOGITS, x)
                .transferToDevice(EVERY_EXECUTION, step)
                .transferToDevice(FIRST_EXECUTION, pow2, table.bits())
                .task("lookup", EmbeddingKernels::lookup, ctx, table.bits(), pow2, x, step, ids, d, table.format(),
                        embedScale)
                .persistOnDevice(x, step));
        grids.elementwiseRows(EMBED, "lookup", capacity, d);

        String prev = EMBED;
        for (int j = 0; j < layers; j++) {
            TextWeights.Layer l = tw.layers().get(j);
            String name = "text.L" + j;
            TaskGraph g = new TaskGraph(name).consumeFromDevice(prev, x, step);
            if (j == 0) {
                g.transferToDevice(FIRST_EXECUTION, h, q, attn, tmp, gate, up);
            } else {
                g.consumeFromDevice(prev, h, q, attn, tmp, gate, up);
            }
            FloatArray kc = DeviceArrays.scratch((long) capacity * kvd);
            FloatArray vc = DeviceArrays.scratch((long) capacity * kvd);
            Weights16.Matrix wq = Weights16.upload(l.q(), maps);
            Weights16.Matrix wk = Weights16.upload(l.k(), maps);
            Weights16.Matrix wv = Weights16.upload(l.v(), maps);
            Weights16.Matrix wo = Weights16.upload(l.o(), maps);
            Weights16.Matrix wg = Weights16.upload(l.gate(), maps);
            Weights16.Matrix wu = Weights16.upload(l.up(), maps);
            Weights16.Matrix wd = Weights16.upload(l.down(), maps);
            FloatArray n1 = DeviceArrays.floats(l.inputNorm());
            FloatArray n2 = DeviceArrays.floats(l.preFfnNorm());
            g.transferToDevice(FIRST_EXECUTION, pow2, noBias, cos, sin, kc, vc, n1, n2, wq.bits(), wk.bits(), wv.bits(),
                    wo.bits(), wg.bits(), wu.bits(), wd.bits());
            Layer t = new Layer(g, name, grids, capacity, step);
            t.norm("norm1", x, n1, h, d, eps);
            t.matmul("q", h, wq, q, d, qd, 0);
            t.matmul("k", h, wk, kc, d, kvd, 1);
            t.matmul("v", h, wv, vc, d, kvd, 1);
            g.task("ropeQ", RopeKernels::rope, ctx, q, cos, sin, step, tc.numHeads(), hd, 0);
            grids.elementwiseRows(name, "ropeQ", capacity, qd / 2);
            g.task("ropeK", RopeKernels::rope, ctx, kc, cos, sin, step, tc.numKvHeads(), hd, 1);
            grids.elementwiseRows(name, "ropeK", capacity, kvd / 2);
            g.task("attn", AttentionKernels::attention, ctx, q, kc, vc, attn, step, tc.numHeads(), tc.numKvHeads(), hd,
                    (float) tc.attentionScale(), (float) tc.attnLogitSoftcap(), tc.windowOf(j), capacity);
            grids.attentionRows(name, "attn", capacity, tc.numHeads(), tc.numKvHeads());
            t.matmul("o", attn, wo, tmp, qd, d, 0);
            if (l.postAttnNorm() != null) {
                FloatArray pn = DeviceArrays.floats(l.postAttnNorm());
                g.transferToDevice(FIRST_EXECUTION, pn);
                t.norm("postAttn", tmp, pn, tmp, d, eps);
            }
            t.add("add1", x, tmp, d);
            t.norm("norm2", x, n2, h, d, eps);
            // Prefill: two GEMMs and GeGLU; decode: one fused gate/up GEMV.
            t.gemm("gate", h, wg, gate, d, ff, 0);
            t.gemm("up", h, wu, up, d, ff, 0);
            g.task("geglu", ActivationKernels::geglu, ctx, gate, up, gate, step, ff);
            grids.elementwiseRows(name, "geglu", capacity, ff);
            g.task("gateUp", MatmulKernels::gateUpGemv, ctx, h, wg.bits(), wu.bits(), pow2, gate, step, d, ff, wg.format());
            grids.gemvRows(name, "gateUp", ff);
            t.matmul("down", gate, wd, tmp, ff, d, 0);
            if (l.postFfnNorm() != null) {
                FloatArray pn = DeviceArrays.floats(l.postFfnNorm());
                g.transferToDevice(FIRST_EXECUTION, pn);
                t.norm("postFfn", tmp, pn, tmp, d, eps);
            }
            t.add("add2", x, tmp, d);
            g.persistOnDevice(x, step, h, q, attn, tmp, gate, up);
            graphs.add(g);
            prev = name;
        }

        FloatArray finalNorm = DeviceArrays.floats(tw.finalNorm());
        Weights16.Matrix head = Weights16.upload(tw.lmHead(), maps);
        FloatArray hLast = DeviceArrays.scratch(d);
        TaskGraph lg = new TaskGraph(LOGITS)
                .consumeFromDevice(prev, x)
                .consumeFromDevice(LOGITS, x)
                .transferToDevice(EVERY_EXECUTION, logitStep)
                .transferToDevice(FIRST_EXECUTION, pow2, noBias, finalNorm, head.bits(), hLast)
                .task("norm", NormKernels::rmsNorm, ctx, x, finalNorm, hLast, logitStep, d, eps)
                .task("head", MatmulKernels::gemv, ctx, hLast, head.bits(), pow2, noBias, logits, logitStep, d, vocab,
                        head.format(), 0, 0);
        grids.perRow(LOGITS, "norm", 1);
        grids.perRow(LOGITS, "head", vocab);
        if (tc.finalLogitSoftcap() > 0) {
            lg.task("softcap", ElementwiseKernels::softcap, ctx, logits, vocab, (float) tc.finalLogitSoftcap());
            grids.elementwise(LOGITS, "softcap", vocab);
        }
        lg.transferToHost(EVERY_EXECUTION, logits).persistOnDevice(x);
        graphs.add(lg);
    }

    /** Adds one layer's tasks to its graph and their launch shapes to the grid, with names in one place. */
    private final class Layer {
        final TaskGraph g;
        final String name;
        final Grids grids;
        final int capacity;
        final IntArray step;

        Layer(TaskGraph g, String name, Grids grids, int capacity, IntArray step) {
            this.g = g;
            this.name = name;
            this.grids = grids;
            this.capacity = capacity;
            this.step = step;
        }

        void norm(String task, FloatArray in, FloatArray weight, FloatArray out, int dim, float eps) {
            g.task(task, NormKernels::rmsNorm, ctx, in, weight, out, step, dim, eps);
            grids.perRowRows(name, task, capacity);
        }

        void add(String task, FloatArray acc, FloatArray in, int dim) {
            g.task(task, ElementwiseKernels::add, ctx, acc, in, step, dim);
            grids.elementwiseRows(name, task, capacity, dim);
        }

        void gemm(String task, FloatArray in, Weights16.Matrix w, FloatArray out, int inDim, int outDim, int atStart) {
            g.task(task, MatmulKernels::gemm, ctx, in, w.bits(), pow2, noBias, out, step, inDim, outDim, w.format(), 0,
                    atStart, 0);
            grids.gemmRows(name, task, capacity, outDim);
        }

        /** The GEMM task and its GEMV twin ({@code task + "1"}); the row count picks one per run. */
        void matmul(String task, FloatArray in, Weights16.Matrix w, FloatArray out, int inDim, int outDim, int atStart) {
            gemm(task, in, w, out, inDim, outDim, atStart);
            g.task(task + "1", MatmulKernels::gemv, ctx, in, w.bits(), pow2, noBias, out, step, inDim, outDim, w.format(), 0,
                    atStart);
            grids.gemvRows(name, task + "1", outDim);
        }
    }
}
