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
import java.util.List;
import java.util.Map;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * How the tornado backend runs an op: each records KernelContext tasks, and their launch shapes in
 * {@link Grids}, into the {@link Recording} of the stage being recorded, declaring every array it
 * touches ({@link GraphAssembly} turns that into the graph's transfers). Values that change per
 * run live in step arrays ({@link Step}): TornadoVM compiles scalar arguments in as constants.
 *
 * <p>A decoder stage is recorded twice, as two graphs: for a prefill (tiled GEMMs, flash
 * attention, row-following grids) and for a decode step (one row). A decode stage's ops, and the
 * head's, are captured first and emitted through {@link Fusion}, which merges neighbours into
 * fewer launches: a decode step launches only what one row needs.
 */
final class TornadoOps implements LayerOps<TornadoBuffer> {
    /** What a recording is for. */
    enum Mode { VISION, PREFILL, DECODE, HEAD }

    private final PaliGemmaConfig config;
    private final int capacity;
    private final PrivateMaps maps;
    final Grids grids;
    final KernelContext ctx = new KernelContext();
    final FloatArray pow2 = Weights16.powersOfTwo();
    final FloatArray noBias = DeviceArrays.scratch(1);
    /** Stands for the ids in a decode step's lookup, whose one id is in the step array. */
    private final IntArray noIds = new IntArray(1);
    /** Per-run values of the decoder stages, of the logits stage; the vision tower's are constant. */
    private final IntArray textStep = step(0, 0);
    private final IntArray logitStep = step(1, 0);
    private final IntArray visionStep;
    /** A prefill's token ids; a decode step's one id travels in the step array. */
    private final IntArray ids;
    private final Map<Tensor, Weights16.Matrix> matrices = new IdentityHashMap<>();
    private final Map<Tensor, FloatArray> vectors = new IdentityHashMap<>();
    private final Map<String, FloatArray[]> ropeTables = new HashMap<>();
    /** A prefill's up projection beside the MLP buffer; one array shared by every prefill graph. */
    private FloatArray upRows;
    /** The one-row kernels fused groups become. */
    private final OneRowKernels oneRow = new OneRowKernels(this);
    Recording rec;
    /** True while a captured op is being emitted as its own kernel. */
    private boolean emitting;

    TornadoOps(PaliGemmaConfig config, int capacity, PrivateMaps maps, Grids grids) {
        this.config = config;
        this.capacity = capacity;
        this.maps = maps;
        this.grids = grids;
        int n = config.vision().numPatches();
        visionStep = step(n, n);
        ids = new IntArray(capacity);
        ids.init(0);
        noIds.init(0);
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
     * Records the head (fused) with a two-pass argmax over ids [0, step[LIMIT]) after it, whose one
     * id is all a greedy step brings back; the logits come back only on demand (sampling, kept logits).
     */
    Recording recordHead(Stage<TornadoBuffer> head, TornadoBuffer logits) {
        onDemand = logits.array();
        try {
            Recording r = record(head, head.name(), Mode.HEAD);
            fuse(r, List.of());
            rec = r;
            FloatArray x = state(logits);
            IntArray step = useStep();
            rec.use(Kind.STATE, pickV, pickI);
            rec.use(Kind.ON_DEMAND, pick);
            String part = rec.task("argmaxPart");
            String fin = rec.task("argmaxFinal");
            rec.tasks.add(g -> g.task(part, TornadoElementwise::argmaxPart, ctx, x, step, pickV, pickI, PICK_GROUPS)
                    .task(fin, TornadoElementwise::argmaxFinal, ctx, pickV, pickI, pick, PICK_GROUPS));
            grids.perRow(graph(), part, PICK_GROUPS);
            grids.perRow(graph(), fin, 1);
            return r;
        } finally {
            rec = null;
            onDemand = null;
        }
    }

    /** Sets the greedy pick's vocabulary limit (in the logits stage's step array). */
    void limit(int n) {
        logitStep.set(Step.LIMIT, n);
    }

    /**
     * Records one stage's ops as graph {@code name}: emitted at once for the vision tower and a
     * prefill; captured for a decode step or the head, to be emitted by {@link #fuse}.
     */
    Recording record(Stage<TornadoBuffer> stage, String name, Mode mode) {
        rec = new Recording(stage, name, mode);
        try {
            stage.body().accept(this);
            return rec;
        } finally {
            rec = null;
        }
    }

    private Mode mode() {
        return rec.mode;
    }

    /** Emits a captured recording's ops, fused; {@code later} are the ops that run after them in the pass. */
    void fuse(Recording r, List<Fusion.Op> later) {
        rec = r;
        try {
            Fusion.emit(r.ops, later, oneRow);
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
                    grids.resize(pass.rows());
                }
            }
            case LOGITS -> logitStep.set(Step.IN_ROW, pass.row());
        }
    }

    /**
     * Step arrays for the binding runs: a one-row pass of token 0 at position 0, and a greedy pick
     * over the whole vocabulary, valid for every graph.
     */
    void bindForBinding(int vocab) {
        textStep.set(Step.ROWS, 1);
        textStep.set(Step.START, 0);
        textStep.set(Step.PREFIX, 1);
        textStep.set(Step.IN_ROW, 0);
        textStep.set(Step.IMAGE_ROWS, 0);
        textStep.set(Step.TOKEN, 0);
        logitStep.set(Step.IN_ROW, 0);
        logitStep.set(Step.LIMIT, vocab);
        grids.resize(1);
    }

    private Stage.Phase phase() {
        return rec.stage.phase();
    }

    String graph() {
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
    IntArray useStep() {
        IntArray s = stepArray();
        rec.use(phase() == Stage.Phase.VISION ? Kind.CONST : Kind.INPUT, s);
        return s;
    }

    /** The most rows a pass of this recording has. */
    private int maxRows() {
        return switch (mode()) {
            case VISION -> config.vision().numPatches();
            case PREFILL -> capacity;
            case DECODE, HEAD -> 1;
        };
    }

    FloatArray state(TornadoBuffer b) {
        Kind kind = b.array() == onDemand ? Kind.ON_DEMAND : switch (b.spec().io()) {
            case DEVICE -> Kind.STATE;
            case FROM_HOST -> Kind.INPUT;
            case TO_HOST -> Kind.OUTPUT;
        };
        rec.use(kind, b.array());
        return b.array();
    }

    Weights16.Matrix matrix(Tensor t) {
        Weights16.Matrix m = matrices.computeIfAbsent(t, w -> Weights16.upload(w, maps));
        rec.use(Kind.CONST, m.bits(), pow2);
        return m;
    }

    FloatArray vector(Tensor t) {
        FloatArray v = vectors.computeIfAbsent(t, DeviceArrays::floats);
        rec.use(Kind.CONST, v);
        return v;
    }

    FloatArray bias(Tensor t) {
        if (t == null) {
            rec.use(Kind.CONST, noBias);
            return noBias;
        }
        return vector(t);
    }

    FloatArray[] ropeTable(int headDim, double theta) {
        FloatArray[] cs = ropeTables.computeIfAbsent(headDim + "/" + theta, k -> {
            float[][] t = RopeTable.build(capacity, headDim, theta);
            return new FloatArray[] {FloatArray.fromArray(t[0]), FloatArray.fromArray(t[1])};
        });
        rec.use(Kind.CONST, cs[0], cs[1]);
        return cs;
    }

    void perRowGrid(String task) {
        if (mode() == Mode.PREFILL) {
            grids.perRowRows(graph(), task, capacity);
        } else {
            grids.perRow(graph(), task, maxRows());
        }
    }

    private void elementwiseGrid(String task, int perRow) {
        if (mode() == Mode.PREFILL) {
            grids.elementwiseRows(graph(), task, capacity, perRow);
        } else {
            grids.elementwise(graph(), task, (long) maxRows() * perRow);
        }
    }

    static int outAtStart(TornadoBuffer out) {
        return out.spec().sequenceRows() ? 1 : 0;
    }

    /** Takes the op into a capturing recording (decode, head); false when it is to be emitted now. */
    private boolean captured(Fusion.Op op) {
        if (rec.capturing && !emitting) {
            rec.ops.add(op);
            return true;
        }
        return false;
    }

    /** Ops the one-row stages never run. */
    private void notInOneRow(String op) {
        if (rec.capturing) {
            throw new IllegalStateException(op + " in one-row stage " + graph());
        }
    }

    @Override
    public void patchEmbed(TornadoBuffer pixels, int imageSize, int patch, Tensor weight, Tensor bias, Tensor positions,
                           TornadoBuffer out) {
        notInOneRow("patchEmbed");
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
                .task(gemm, TornadoMatmul::gemm, ctx, patches, w.bits(), pow2, b, x, step, patchK, width, w.format(), 1, 0)
                .task(add, TornadoElementwise::add, ctx, x, pos, step, width));
        grids.elementwise(graph(), im2col, (long) n * patchK);
        grids.gemm(graph(), gemm, n, width);
        grids.elementwise(graph(), add, (long) n * width);
    }

    @Override
    public void embed(Tensor table, float scale, TornadoBuffer out) {
        if (captured(new Fusion.Embed(table, scale, out))) {
            return;
        }
        Weights16.Matrix t = matrix(table);
        FloatArray x = state(out);
        IntArray step = useStep();
        // A decode step's id is in the step array; only a prefill reads (and keeps on the device) the ids.
        IntArray tokens = rec.capturing ? noIds : ids;
        rec.use(rec.capturing ? Kind.CONST : Kind.INPUT, tokens);
        String task = rec.task("lookup");
        int d = out.width();
        rec.tasks.add(g -> g.task(task, TornadoEmbedding::lookup, ctx, t.bits(), pow2, x, step, tokens, d, t.format(), scale));
        elementwiseGrid(task, d);
    }

    /**
     * Places the image features; the prefill's token ids travel to the device with them, in this
     * prefill-only graph, so a decode step uploads only its step array.
     */
    @Override
    public void copyRows(TornadoBuffer from, TornadoBuffer to) {
        notInOneRow("copyRows");
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
        notInOneRow("layerNorm");
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
        if (captured(new Fusion.Norm(x, weight, eps, out, false))) {
            return;
        }
        FloatArray in = state(x);
        FloatArray wv = vector(weight);
        FloatArray o = state(out);
        IntArray step = useStep();
        String task = rec.task("rmsNorm");
        int d = x.width();
        rec.tasks.add(g -> g.task(task, TornadoNorms::rmsNorm, ctx, in, wv, o, step, d, eps, 0));
        perRowGrid(task);
    }

    /** The logits stage's step array holds the selected row (its IN_ROW), which the norm kernel reads from. */
    @Override
    public void rmsNormRow(TornadoBuffer x, Tensor weight, float eps, TornadoBuffer out) {
        if (phase() != Stage.Phase.LOGITS) {
            throw new IllegalStateException("rmsNormRow outside the logits stage (" + graph() + ")");
        }
        if (captured(new Fusion.Norm(x, weight, eps, out, true))) {
            return;
        }
        rmsNorm(x, weight, eps, out);
    }

    @Override
    public void linear(TornadoBuffer x, Tensor weight, Tensor bias, TornadoBuffer out) {
        if (captured(new Fusion.Linear(x, weight, bias, out))) {
            return;
        }
        notInOneRow("a tiled GEMM");
        FloatArray in = state(x);
        Weights16.Matrix w = matrix(weight);
        FloatArray b = bias(bias);
        FloatArray o = state(out);
        IntArray step = useStep();
        int inDim = x.width();
        int outDim = out.width();
        int hasBias = bias == null ? 0 : 1;
        int atStart = outAtStart(out);
        String task = rec.task("gemm");
        rec.tasks.add(g -> g.task(task, TornadoMatmul::gemm, ctx, in, w.bits(), pow2, b, o, step, inDim, outDim,
                w.format(), hasBias, atStart));
        if (mode() == Mode.PREFILL) {
            grids.gemmRows(graph(), task, capacity, outDim);
        } else {
            grids.gemm(graph(), task, maxRows(), outDim);
        }
    }

    /** Prefill: the two GEMMs, then GeGLU; a one-row stage: one fused gate/up GEMV. */
    @Override
    public void gateUpGeglu(TornadoBuffer x, Tensor gate, Tensor up, TornadoBuffer out) {
        if (phase() != Stage.Phase.TEXT) {
            throw new IllegalStateException("gateUpGeglu outside a decoder stage (" + graph() + ")");
        }
        if (captured(new Fusion.GateUp(x, gate, up, out))) {
            return;
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
        rec.tasks.add(g -> g.task(gemmGate, TornadoMatmul::gemm, ctx, in, wg.bits(), pow2, noBias, o, step, d, ff,
                        wg.format(), 0, 0)
                .task(gemmUp, TornadoMatmul::gemm, ctx, in, wu.bits(), pow2, noBias, u, step, d, ff, wu.format(), 0, 0)
                .task(geglu, TornadoActivations::geglu, ctx, o, u, o, step, ff));
        grids.gemmRows(graph(), gemmGate, capacity, ff);
        grids.gemmRows(graph(), gemmUp, capacity, ff);
        grids.elementwiseRows(graph(), geglu, capacity, ff);
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
        notInOneRow("geluTanh");
        FloatArray a = state(x);
        IntArray step = useStep();
        String task = rec.task("gelu");
        int cols = x.width();
        rec.tasks.add(g -> g.task(task, TornadoActivations::geluTanh, ctx, a, step, cols));
        elementwiseGrid(task, cols);
    }

    @Override
    public void rope(TornadoBuffer x, int heads, int headDim, double theta) {
        if (captured(new Fusion.Rope(x, heads, headDim, theta))) {
            return;
        }
        FloatArray a = state(x);
        FloatArray[] cs = ropeTable(headDim, theta);
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
        if (captured(new Fusion.Attention(s, q, k, v, out))) {
            return;
        }
        FloatArray qa = state(q);
        FloatArray ka = state(k);
        FloatArray va = state(v);
        FloatArray o = state(out);
        IntArray step = useStep();
        int keys = k.spec().rows();
        if (rec.capturing) {
            oneRow.splitAttention(s, qa, ka, va, o, step, keys);
            return;
        }
        String task = rec.task("attention");
        rec.tasks.add(g -> g.task(task, TornadoAttention::attention, ctx, qa, ka, va, o, step, s.numHeads(), s.numKvHeads(),
                s.headDim(), s.scale(), s.softcap(), s.window(), keys));
        if (mode() == Mode.PREFILL) {
            grids.attentionRows(graph(), task, capacity, s.numHeads(), s.numKvHeads());
        } else {
            grids.attention(graph(), task, maxRows(), s.numHeads(), s.numKvHeads());
        }
    }

    @Override
    public void add(TornadoBuffer acc, TornadoBuffer x) {
        if (captured(new Fusion.Add(acc, x))) {
            return;
        }
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
        if (captured(new Fusion.Softcap(x, cap))) {
            return;
        }
        FloatArray a = state(x);
        String task = rec.task("softcap");
        int n = maxRows() * x.width();
        rec.tasks.add(g -> g.task(task, TornadoElementwise::softcap, ctx, a, n, cap));
        grids.elementwise(graph(), task, n);
    }

    /** Runs {@code emit} with the LayerOps methods emitting a captured op as its own kernel. */
    void asKernel(Runnable emit) {
        emitting = true;
        try {
            emit.run();
        } finally {
            emitting = false;
        }
    }
}
