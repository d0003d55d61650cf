package io.paligemma4j.backends.tornado;

import io.paligemma4j.backends.tornado.GraphAssembly.Kind;
import io.paligemma4j.kernels.AttentionShape;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The kernels a one-row stage's fused groups ({@link Fusion}) become, recorded into the stage
 * {@link TornadoOps} is recording: the GEMVs with a norm prologue and an add or soft-cap epilogue,
 * the fused gate/up, q/k/v+RoPE, Gemma 2's norm+add, and split-K attention. An op that fused with
 * nothing goes back to {@link TornadoOps}, emitted as its own kernel.
 */
final class OneRowKernels implements Fusion.Emitter {
    private final TornadoOps ops;
    /** Decode attention's per-chunk statistics and outputs, sized for the widest layer. */
    private FloatArray splitStats;
    private FloatArray splitOut;

    OneRowKernels(TornadoOps ops) {
        this.ops = ops;
    }

    /** One-row attention: split-K partials over chunks of the key positions, then their merge. */
    void splitAttention(AttentionShape s, FloatArray q, FloatArray k, FloatArray v, FloatArray o, IntArray step,
                                int keys) {
        int group = s.numHeads() / s.numKvHeads();
        if (group > Tiles.SPLIT_MAX_GROUP) {
            throw new IllegalArgumentException(group + " query heads per kv head exceed split attention's "
                    + Tiles.SPLIT_MAX_GROUP);
        }
        int chunks = (keys + Tiles.SPLIT_KEYS - 1) / Tiles.SPLIT_KEYS;
        long statsFloats = (long) s.numHeads() * chunks * 2;
        long outFloats = (long) s.numHeads() * chunks * s.headDim();
        if (splitStats == null || splitStats.getSize() < statsFloats) {
            splitStats = DeviceArrays.scratch(statsFloats);
        }
        if (splitOut == null || splitOut.getSize() < outFloats) {
            splitOut = DeviceArrays.scratch(outFloats);
        }
        FloatArray stats = splitStats;
        FloatArray parts = splitOut;
        ops.rec.use(Kind.SCRATCH, stats, parts);
        String part = ops.rec.task("splitAttention");
        String merge = ops.rec.task("splitCombine");
        int heads = s.numHeads();
        int kvHeads = s.numKvHeads();
        int hd = s.headDim();
        ops.rec.tasks.add(g -> g.task(part, TornadoSplitAttention::partial, ops.ctx, q, k, v, stats, parts, step, heads, kvHeads,
                        hd, s.scale(), s.softcap(), s.window(), chunks, group * hd)
                .task(merge, TornadoSplitAttention::combine, ops.ctx, stats, parts, o, step, hd, chunks));
        ops.grids.splitAttention(ops.graph(), part, chunks, kvHeads);
        ops.grids.perRow(ops.graph(), merge, heads);
    }

    @Override
    public void single(Fusion.Op op) {
        switch (op) {
            case Fusion.Linear l -> gemv(l, null, TornadoGemv.STORE, l.out(), 0f);
            case Fusion.GateUp g -> gateUp(g, null);
            default -> ops.asKernel(() -> {
                switch (op) {
                    case Fusion.Norm n -> ops.rmsNorm(n.x(), n.weight(), n.eps(), n.out());
                    case Fusion.Rope r -> ops.rope(r.x(), r.heads(), r.headDim(), r.theta());
                    case Fusion.Attention a -> ops.attention(a.shape(), a.q(), a.k(), a.v(), a.out());
                    case Fusion.Add a -> ops.add(a.acc(), a.x());
                    case Fusion.Softcap s -> ops.softcap(s.x(), s.cap());
                    case Fusion.Embed e -> ops.embed(e.table(), e.scale(), e.out());
                    default -> throw new IllegalStateException(op.toString());
                }
            });
        }
    }

    /** The norm's weight (or the unused bias placeholder) and its flag for a GEMV prologue. */
    private FloatArray normWeight(Fusion.Norm pre) {
        if (pre == null) {
            ops.rec.use(Kind.CONST, ops.noBias);
            return ops.noBias;
        }
        return ops.vector(pre.weight());
    }

    @Override
    public void gemv(Fusion.Linear l, Fusion.Norm pre, int epilogue, TornadoBuffer target, float cap) {
        FloatArray in = ops.state(pre == null ? l.x() : pre.x());
        FloatArray nw = normWeight(pre);
        Weights16.Matrix w = ops.matrix(l.weight());
        FloatArray b = ops.bias(l.bias());
        FloatArray o = ops.state(target);
        IntArray step = ops.useStep();
        int inDim = l.x().width();
        int outDim = l.out().width();
        int hasBias = l.bias() == null ? 0 : 1;
        int atStart = ops.outAtStart(l.out());
        int normed = pre == null ? 0 : 1;
        float eps = pre == null ? 0f : pre.eps();
        // The head's norm reads the selected row of x; everything else reads row 0.
        int selected = pre != null && pre.selectedRow() ? 1 : 0;
        String task = ops.rec.task(pre == null ? "gemv" : "normGemv");
        ops.rec.tasks.add(g -> g.task(task, TornadoGemv::gemv, ops.ctx, in, nw, w.bits(), ops.pow2, b, o, step, inDim, outDim,
                w.format(), hasBias, atStart, selected, normed, eps, epilogue, cap));
        ops.grids.gemv(ops.graph(), task, outDim);
    }

    @Override
    public void gateUp(Fusion.GateUp gu, Fusion.Norm pre) {
        FloatArray in = ops.state(pre == null ? gu.x() : pre.x());
        FloatArray nw = normWeight(pre);
        Weights16.Matrix wg = ops.matrix(gu.gate());
        Weights16.Matrix wu = ops.matrix(gu.up());
        FloatArray o = ops.state(gu.out());
        IntArray step = ops.useStep();
        int d = gu.x().width();
        int ff = gu.out().width();
        int normed = pre == null ? 0 : 1;
        float eps = pre == null ? 0f : pre.eps();
        String task = ops.rec.task("gateUp");
        ops.rec.tasks.add(g -> g.task(task, TornadoGemv::gateUp, ops.ctx, in, nw, wg.bits(), wu.bits(), ops.pow2, o, step, d, ff,
                wg.format(), normed, eps));
        ops.grids.gemv(ops.graph(), task, ff);
    }

    @Override
    public void qkvRope(Fusion.Norm n, Fusion.Linear q, Fusion.Linear k, Fusion.Linear v, Fusion.Rope rq, Fusion.Rope rk) {
        FloatArray in = ops.state(n.x());
        FloatArray nw = ops.vector(n.weight());
        Weights16.Matrix wq = ops.matrix(q.weight());
        Weights16.Matrix wk = ops.matrix(k.weight());
        Weights16.Matrix wv = ops.matrix(v.weight());
        FloatArray qa = ops.state(q.out());
        FloatArray ka = ops.state(k.out());
        FloatArray va = ops.state(v.out());
        FloatArray[] cs = ops.ropeTable(rq.headDim(), rq.theta());
        IntArray step = ops.useStep();
        int d = n.x().width();
        int heads = rq.heads();
        int kvHeads = rk.heads();
        int hd = rq.headDim();
        float eps = n.eps();
        String task = ops.rec.task("qkvRope");
        ops.rec.tasks.add(g -> g.task(task, TornadoGemv::qkvRope, ops.ctx, in, nw, wq.bits(), wk.bits(), wv.bits(), ops.pow2, qa, ka,
                va, cs[0], cs[1], step, d, heads, kvHeads, hd, wq.format(), eps));
        ops.grids.perRow(ops.graph(), task, (heads + 2 * kvHeads) * hd / 4);
    }

    @Override
    public void normAdd(Fusion.Norm n, Fusion.Add a) {
        FloatArray t = ops.state(n.x());
        FloatArray wv = ops.vector(n.weight());
        FloatArray acc = ops.state(a.acc());
        IntArray step = ops.useStep();
        String task = ops.rec.task("rmsNormAdd");
        int d = n.x().width();
        float eps = n.eps();
        ops.rec.tasks.add(g -> g.task(task, TornadoNorms::rmsNorm, ops.ctx, t, wv, acc, step, d, eps, 1));
        ops.perRowGrid(task);
    }
}
