package io.paligemma4j.backends.tornado;

import io.paligemma4j.backends.tornado.GraphAssembly.Kind;
import io.paligemma4j.backends.tornado.GraphAssembly.Recording;
import io.paligemma4j.kernels.AttentionShape;
import io.paligemma4j.loader.PaliGemmaConfig;
import io.paligemma4j.loader.Tensor;
import io.paligemma4j.loader.VisionConfig;
import io.paligemma4j.runtime.forward.LayerOps;
import io.paligemma4j.runtime.forward.Pass;
import io.paligemma4j.runtime.forward.Stage;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * How the tornado backend runs an op: each records KernelContext tasks, and their launch shapes in
 * {@link Grids}, into the {@link Recording} of the stage being recorded, declaring every array it
 * touches ({@link GraphAssembly} turns that into the graph's transfers). Values that change per
 * run live in step arrays ({@link Step}): TornadoVM compiles scalar arguments in as constants.
 * Decoder stages serve prefill and decode alike: each matmul records a GEMM and its GEMV twin, and
 * the step array's row count leaves one of them idle.
 */
final class TornadoOps implements LayerOps<TornadoBuffer> {
    private final PaliGemmaConfig config;
    private final int capacity;
    private final PrivateMaps maps;
    private final Grids grids;
    private final KernelContext ctx = new KernelContext();
    private final FloatArray pow2 = Weights16.powersOfTwo();
    private final FloatArray noBias = DeviceArrays.scratch(1);
    /** Per-run values of the decoder stages, of the logits stage; the vision tower's are constant. */
    private final IntArray textStep = step(0, 0);
    private final IntArray logitStep = step(1, 0);
    private final IntArray visionStep;
    /** A prefill's token ids; a decode step's one id travels in the step array. */
    private final IntArray ids;
    private final Map<Tensor, Weights16.Matrix> matrices = new IdentityHashMap<>();
    private final Map<Tensor, FloatArray> vectors = new IdentityHashMap<>();
    private final Map<String, FloatArray[]> ropeTables = new HashMap<>();
    /** A prefill's up projection beside the MLP buffer; one array shared by every decoder graph. */
    private FloatArray upRows;
    private Recording rec;

    TornadoOps(PaliGemmaConfig config, int capacity, PrivateMaps maps, Grids grids) {
        this.config = config;
        this.capacity = capacity;
        this.maps = maps;
        this.grids = grids;
        int n = config.vision().numPatches();
        visionStep = step(n, n);
        ids = new IntArray(capacity);
        ids.init(0);
    }

    private static IntArray step(int rows, int prefix) {
        IntArray s = new IntArray(Step.SIZE);
        s.init(0);
        s.set(Step.ROWS, rows);
        s.set(Step.PREFIX, prefix);
        s.set(Step.TOKEN, -1);
        return s;
    }

    /** Work-groups of the greedy pick's first pass. */
    private static final int PICK_GROUPS = 64;
    private final FloatArray pickV = DeviceArrays.scratch(PICK_GROUPS);
    private final IntArray pickI = new IntArray(PICK_GROUPS);
    /** The greedy pick's result, the only thing a greedy decode step brings back. */
    final IntArray pick = new IntArray(1);
    /** The head's logits: they go to the host only when a run's result is asked for them. */
    private Object onDemand;

    /**
     * Records the head with a two-pass argmax over ids [0, step[LIMIT]) after it, whose one id is
     * all a greedy step brings back; the logits come back only on demand (sampling, kept logits).
     */
    Recording recordHead(Stage<TornadoBuffer> head, TornadoBuffer logits) {
        onDemand = logits.array();
        rec = new Recording(head);
        try {
            head.body().accept(this);
            FloatArray x = state(logits);
            IntArray step = useStep();
            rec.use(Kind.STATE, pickV, pickI);
            rec.use(Kind.OUTPUT, pick);
            String part = rec.task("argmaxPart");
            String fin = rec.task("argmaxFinal");
            rec.tasks.add(g -> g.task(part, TornadoElementwise::argmaxPart, ctx, x, step, pickV, pickI, PICK_GROUPS)
                    .task(fin, TornadoElementwise::argmaxFinal, ctx, pickV, pickI, pick, PICK_GROUPS));
            grids.perRow(graph(), part, PICK_GROUPS);
            grids.perRow(graph(), fin, 1);
            return rec;
        } finally {
            rec = null;
            onDemand = null;
        }
    }

    /** Sets the greedy pick's vocabulary limit (in the logits stage's step array). */
    void limit(int n) {
        logitStep.set(Step.LIMIT, n);
    }

    /** Records one stage's ops. */
    Recording record(Stage<TornadoBuffer> stage) {
        rec = new Recording(stage);
        try {
            stage.body().accept(this);
            return rec;
        } finally {
            rec = null;
        }
    }

    /** Sets the step arrays (and a prefill's ids and the row-following grids) for a run of {@code phase}. */
    void bind(Stage.Phase phase, Pass pass) {
        switch (phase) {
            case VISION -> { }
            case TEXT -> {
                boolean decode = pass.start() > 0;
                textStep.set(Step.ROWS, pass.rows());
                textStep.set(Step.START, pass.start());
                textStep.set(Step.PREFIX, pass.prefixLen());
                textStep.set(Step.IN_ROW, 0);
                textStep.set(Step.IMAGE_ROWS, pass.imageRows());
                textStep.set(Step.TOKEN, decode ? pass.tokens()[0] : -1);
                if (!decode) {
                    for (int i = 0; i < pass.tokens().length; i++) {
                        ids.set(pass.imageRows() + i, pass.tokens()[i]);
                    }
                }
                grids.resize(pass.rows());
            }
            case LOGITS -> logitStep.set(Step.IN_ROW, pass.row());
        }
    }

    private Stage.Phase phase() {
        return rec.stage.phase();
    }

    private String graph() {
        return rec.name();
    }

    /** The step array the current stage's kernels read. */
    private IntArray stepArray() {
        return switch (phase()) {
            case VISION -> visionStep;
            case TEXT -> textStep;
            case LOGITS -> logitStep;
        };
    }

    /** Declares the stage's step array and returns it. */
    private IntArray useStep() {
        IntArray s = stepArray();
        rec.use(phase() == Stage.Phase.VISION ? Kind.CONST : Kind.INPUT, s);
        return s;
    }

    /** The most rows a pass of this stage has. */
    private int maxRows() {
        return switch (phase()) {
            case VISION -> config.vision().numPatches();
            case TEXT -> capacity;
            case LOGITS -> 1;
        };
    }

    private FloatArray state(TornadoBuffer b) {
        Kind kind = b.array() == onDemand ? Kind.ON_DEMAND : switch (b.spec().io()) {
            case DEVICE -> Kind.STATE;
            case FROM_HOST -> Kind.INPUT;
            case TO_HOST -> Kind.OUTPUT;
        };
        rec.use(kind, b.array());
        return b.array();
    }

    private Weights16.Matrix matrix(Tensor t) {
        Weights16.Matrix m = matrices.computeIfAbsent(t, w -> Weights16.upload(w, maps));
        rec.use(Kind.CONST, m.bits(), pow2);
        return m;
    }

    private FloatArray vector(Tensor t) {
        FloatArray v = vectors.computeIfAbsent(t, DeviceArrays::floats);
        rec.use(Kind.CONST, v);
        return v;
    }

    private FloatArray bias(Tensor t) {
        if (t == null) {
            rec.use(Kind.CONST, noBias);
            return noBias;
        }
        return vector(t);
    }

    private void perRowGrid(String task) {
        if (phase() == Stage.Phase.TEXT) {
            grids.perRowRows(graph(), task, capacity);
        } else {
            grids.perRow(graph(), task, maxRows());
        }
    }

    private void elementwiseGrid(String task, int perRow) {
        if (phase() == Stage.Phase.TEXT) {
            grids.elementwiseRows(graph(), task, capacity, perRow);
        } else {
            grids.elementwise(graph(), task, (long) maxRows() * perRow);
        }
    }

    private static int outAtStart(TornadoBuffer out) {
        return out.spec().sequenceRows() ? 1 : 0;
    }

    @Override
    public void patchEmbed(TornadoBuffer pixels, int imageSize, int patch, Tensor weight, Tensor bias, Tensor positions,
                           TornadoBuffer out) {
        VisionConfig vc = config.vision();
        int n = maxRows();
        int patchK = vc.numChannels() * patch * patch;
        FloatArray px = state(pixels);
        FloatArray patches = DeviceArrays.scratch((long) n * patchK);
        rec.use(Kind.STATE, patches);
        Weights16.Matrix w = matrix(weight);
        FloatArray b = bias(bias);
        FloatArray pos = vector(positions);
        FloatArray x = state(out);
        IntArray step = useStep();
        String im2col = rec.task("im2col");
        String gemm = rec.task("patch");
        String add = rec.task("pos");
        int channels = vc.numChannels();
        int width = out.width();
        rec.tasks.add(g -> g.task(im2col, TornadoEmbedding::im2col, ctx, px, patches, imageSize, patch, channels)
                .task(gemm, TornadoMatmul::gemm, ctx, patches, w.bits(), pow2, b, x, step, patchK, width, w.format(), 1, 0, 1)
                .task(add, TornadoElementwise::add, ctx, x, pos, step, width));
        grids.elementwise(graph(), im2col, (long) n * patchK);
        grids.gemm(graph(), gemm, n, width);
        grids.elementwise(graph(), add, (long) n * width);
    }

    @Override
    public void embed(Tensor table, float scale, TornadoBuffer out) {
        Weights16.Matrix t = matrix(table);
        FloatArray x = state(out);
        IntArray step = useStep();
        rec.use(Kind.INPUT, ids);
        String task = rec.task("lookup");
        int d = out.width();
        rec.tasks.add(g -> g.task(task, TornadoEmbedding::lookup, ctx, t.bits(), pow2, x, step, ids, d, t.format(), scale));
        elementwiseGrid(task, d);
    }

    /**
     * Places the image features; the prefill's token ids travel to the device with them, in this
     * prefill-only graph, so a decode step uploads only its step array.
     */
    @Override
    public void copyRows(TornadoBuffer from, TornadoBuffer to) {
        FloatArray f = state(from);
        FloatArray x = state(to);
        rec.use(Kind.INPUT, ids);
        String task = rec.task("place");
        int n = (int) from.spec().floats();
        rec.tasks.add(g -> g.task(task, TornadoEmbedding::placeImage, ctx, f, x, n));
        grids.elementwise(graph(), task, n);
    }

    @Override
    public void layerNorm(TornadoBuffer x, Tensor gamma, Tensor beta, float eps, TornadoBuffer out) {
        FloatArray in = state(x);
        FloatArray gv = vector(gamma);
        FloatArray bv = vector(beta);
        FloatArray o = state(out);
        IntArray step = useStep();
        String task = rec.task("layerNorm");
        int d = x.width();
        rec.tasks.add(g -> g.task(task, TornadoNorms::layerNorm, ctx, in, gv, bv, o, step, d, eps));
        perRowGrid(task);
    }

    @Override
    public void rmsNorm(TornadoBuffer x, Tensor weight, float eps, TornadoBuffer out) {
        FloatArray in = state(x);
        FloatArray wv = vector(weight);
        FloatArray o = state(out);
        IntArray step = useStep();
        String task = rec.task("rmsNorm");
        int d = x.width();
        rec.tasks.add(g -> g.task(task, TornadoNorms::rmsNorm, ctx, in, wv, o, step, d, eps));
        perRowGrid(task);
    }

    /** The logits stage's step array holds the selected row (its IN_ROW), which the norm kernel reads from. */
    @Override
    public void rmsNormRow(TornadoBuffer x, Tensor weight, float eps, TornadoBuffer out) {
        if (phase() != Stage.Phase.LOGITS) {
            throw new IllegalStateException("rmsNormRow outside the logits stage (" + graph() + ")");
        }
        rmsNorm(x, weight, eps, out);
    }

    @Override
    public void linear(TornadoBuffer x, Tensor weight, Tensor bias, TornadoBuffer out) {
        FloatArray in = state(x);
        Weights16.Matrix w = matrix(weight);
        FloatArray b = bias(bias);
        FloatArray o = state(out);
        IntArray step = useStep();
        int inDim = x.width();
        int outDim = out.width();
        int hasBias = bias == null ? 0 : 1;
        int atStart = outAtStart(out);
        switch (phase()) {
            case VISION -> {
                String task = rec.task("gemm");
                rec.tasks.add(g -> g.task(task, TornadoMatmul::gemm, ctx, in, w.bits(), pow2, b, o, step, inDim, outDim,
                        w.format(), hasBias, atStart, 1));
                grids.gemm(graph(), task, maxRows(), outDim);
            }
            case TEXT -> {
                String gemm = rec.task("gemm");
                String gemv = rec.task("gemv");
                rec.tasks.add(g -> g.task(gemm, TornadoMatmul::gemm, ctx, in, w.bits(), pow2, b, o, step, inDim, outDim,
                                w.format(), hasBias, atStart, 0)
                        .task(gemv, TornadoMatmul::gemv, ctx, in, w.bits(), pow2, b, o, step, inDim, outDim, w.format(),
                                hasBias, atStart));
                grids.gemmRows(graph(), gemm, capacity, outDim);
                grids.gemvRows(graph(), gemv, outDim);
            }
            case LOGITS -> {
                String task = rec.task("gemv");
                rec.tasks.add(g -> g.task(task, TornadoMatmul::gemv, ctx, in, w.bits(), pow2, b, o, step, inDim, outDim,
                        w.format(), hasBias, atStart));
                grids.perRow(graph(), task, outDim);
            }
        }
    }

    /** Prefill: the two GEMMs, then GeGLU; decode: one fused gate/up GEMV. */
    @Override
    public void gateUpGeglu(TornadoBuffer x, Tensor gate, Tensor up, TornadoBuffer out) {
        if (phase() != Stage.Phase.TEXT) {
            throw new IllegalStateException("gateUpGeglu outside a decoder stage (" + graph() + ")");
        }
        FloatArray in = state(x);
        Weights16.Matrix wg = matrix(gate);
        Weights16.Matrix wu = matrix(up);
        FloatArray o = state(out);
        FloatArray u = upScratch(out);
        IntArray step = useStep();
        rec.use(Kind.CONST, noBias);
        int d = x.width();
        int ff = out.width();
        String gemmGate = rec.task("gemm");
        String gemmUp = rec.task("gemm");
        String geglu = rec.task("geglu");
        String fused = rec.task("gateUp");
        rec.tasks.add(g -> g.task(gemmGate, TornadoMatmul::gemm, ctx, in, wg.bits(), pow2, noBias, o, step, d, ff,
                        wg.format(), 0, 0, 0)
                .task(gemmUp, TornadoMatmul::gemm, ctx, in, wu.bits(), pow2, noBias, u, step, d, ff, wu.format(), 0, 0, 0)
                .task(geglu, TornadoActivations::geglu, ctx, o, u, o, step, ff)
                .task(fused, TornadoMatmul::gateUpGemv, ctx, in, wg.bits(), wu.bits(), pow2, o, step, d, ff, wg.format()));
        grids.gemmRows(graph(), gemmGate, capacity, ff);
        grids.gemmRows(graph(), gemmUp, capacity, ff);
        grids.elementwiseRows(graph(), geglu, capacity, ff);
        grids.gemvRows(graph(), fused, ff);
    }

    private FloatArray upScratch(TornadoBuffer out) {
        if (upRows == null) {
            upRows = DeviceArrays.scratch(out.spec().floats());
        }
        rec.use(Kind.STATE, upRows);
        return upRows;
    }

    @Override
    public void geluTanh(TornadoBuffer x) {
        FloatArray a = state(x);
        IntArray step = useStep();
        String task = rec.task("gelu");
        int cols = x.width();
        rec.tasks.add(g -> g.task(task, TornadoActivations::geluTanh, ctx, a, step, cols));
        elementwiseGrid(task, cols);
    }

    @Override
    public void rope(TornadoBuffer x, int heads, int headDim, double theta) {
        FloatArray a = state(x);
        FloatArray[] cs = ropeTables.computeIfAbsent(headDim + "/" + theta, k -> {
            float[][] t = RopeTable.build(capacity, headDim, theta);
            return new FloatArray[] {FloatArray.fromArray(t[0]), FloatArray.fromArray(t[1])};
        });
        rec.use(Kind.CONST, cs[0], cs[1]);
        IntArray step = useStep();
        String task = rec.task("rope");
        int atStart = outAtStart(x);
        rec.tasks.add(g -> g.task(task, TornadoRope::rope, ctx, a, cs[0], cs[1], step, heads, headDim, atStart));
        elementwiseGrid(task, heads * headDim / 2);
    }

    @Override
    public void attention(AttentionShape s, TornadoBuffer q, TornadoBuffer k, TornadoBuffer v, TornadoBuffer out) {
        if (s.headDim() > Tiles.ATT_MAX_HEAD_DIM) {
            throw new IllegalArgumentException("head size " + s.headDim() + " exceeds the attention kernel's "
                    + Tiles.ATT_MAX_HEAD_DIM);
        }
        FloatArray qa = state(q);
        FloatArray ka = state(k);
        FloatArray va = state(v);
        FloatArray o = state(out);
        IntArray step = useStep();
        String task = rec.task("attention");
        int keys = k.spec().rows();
        rec.tasks.add(g -> g.task(task, TornadoAttention::attention, ctx, qa, ka, va, o, step, s.numHeads(), s.numKvHeads(),
                s.headDim(), s.scale(), s.softcap(), s.window(), keys));
        if (phase() == Stage.Phase.TEXT) {
            grids.attentionRows(graph(), task, capacity, s.numHeads(), s.numKvHeads());
        } else {
            grids.attention(graph(), task, maxRows(), s.numHeads(), s.numKvHeads());
        }
    }

    @Override
    public void add(TornadoBuffer acc, TornadoBuffer x) {
        FloatArray a = state(acc);
        FloatArray b = state(x);
        IntArray step = useStep();
        String task = rec.task("add");
        int cols = acc.width();
        rec.tasks.add(g -> g.task(task, TornadoElementwise::add, ctx, a, b, step, cols));
        elementwiseGrid(task, cols);
    }

    @Override
    public void softcap(TornadoBuffer x, float cap) {
        FloatArray a = state(x);
        String task = rec.task("softcap");
        int n = maxRows() * x.width();
        rec.tasks.add(g -> g.task(task, TornadoElementwise::softcap, ctx, a, n, cap));
        grids.elementwise(graph(), task, n);
    }
}
