package io.paligemma4j.backends.tornado;

import io.paligemma4j.kernels.AttentionShape;
import io.paligemma4j.loader.Tensor;
import io.paligemma4j.runtime.forward.BufferSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Launch fusion for the one-row stages (a decode step's layers and the head): their layer ops are
 * captured, then grouped here into as few kernels as the patterns below allow, each checked on
 * the buffers' liveness over the rest of the pass, so a fused-away intermediate is never read again.
 * <ul>
 *   <li>RMSNorm, the q/k/v projections and RoPE on q and k: one {@link TornadoGemv#qkvRope};</li>
 *   <li>RMSNorm then a matmul (gate/up or plain): the norm moves into the matmul's prologue;</li>
 *   <li>a matmul then a residual add of its output, or a soft-cap of it: into its epilogue;</li>
 *   <li>RMSNorm in place then a residual add of it (Gemma 2's post-norms): {@link TornadoNorms#rmsNorm} accumulating.</li>
 * </ul>
 * Anything else runs as its own kernel.
 */
final class Fusion {
    /** A captured op and the buffers it reads and writes. */
    sealed interface Op {
        List<TornadoBuffer> reads();

        List<TornadoBuffer> writes();
    }

    record Norm(TornadoBuffer x, Tensor weight, float eps, TornadoBuffer out, boolean selectedRow) implements Op {
        public List<TornadoBuffer> reads() { return List.of(x); }
        public List<TornadoBuffer> writes() { return List.of(out); }
    }

    record Linear(TornadoBuffer x, Tensor weight, Tensor bias, TornadoBuffer out) implements Op {
        public List<TornadoBuffer> reads() { return List.of(x); }
        public List<TornadoBuffer> writes() { return List.of(out); }
    }

    record GateUp(TornadoBuffer x, Tensor gate, Tensor up, TornadoBuffer out) implements Op {
        public List<TornadoBuffer> reads() { return List.of(x); }
        public List<TornadoBuffer> writes() { return List.of(out); }
    }

    record Rope(TornadoBuffer x, int heads, int headDim, double theta) implements Op {
        public List<TornadoBuffer> reads() { return List.of(x); }
        public List<TornadoBuffer> writes() { return List.of(x); }
    }

    record Attention(AttentionShape shape, TornadoBuffer q, TornadoBuffer k, TornadoBuffer v, TornadoBuffer out)
            implements Op {
        public List<TornadoBuffer> reads() { return List.of(q, k, v); }
        public List<TornadoBuffer> writes() { return List.of(out); }
    }

    record Add(TornadoBuffer acc, TornadoBuffer x) implements Op {
        public List<TornadoBuffer> reads() { return List.of(acc, x); }
        public List<TornadoBuffer> writes() { return List.of(acc); }
    }

    record Softcap(TornadoBuffer x, float cap) implements Op {
        public List<TornadoBuffer> reads() { return List.of(x); }
        public List<TornadoBuffer> writes() { return List.of(x); }
    }

    record Embed(Tensor table, float scale, TornadoBuffer out) implements Op {
        public List<TornadoBuffer> reads() { return List.of(); }
        public List<TornadoBuffer> writes() { return List.of(out); }
    }

    /** What the fused groups become: kernels recorded into the current stage's graph. */
    interface Emitter {
        /** The op as its own kernel. */
        void single(Op op);

        /** {@code pre} (or null) in the prologue; {@code epilogue} a {@link TornadoGemv} epilogue on {@code out}. */
        void gemv(Linear l, Norm pre, int epilogue, TornadoBuffer out, float cap);

        void gateUp(GateUp g, Norm pre);

        void qkvRope(Norm n, Linear q, Linear k, Linear v, Rope rq, Rope rk);

        void normAdd(Norm n, Add a);
    }

    private final List<Op> ops;
    private final List<Op> later;

    private Fusion(List<Op> ops, List<Op> later) {
        this.ops = ops;
        this.later = later;
    }

    /** Emits {@code ops}; {@code later} are the ops the rest of the pass runs after them, for liveness. */
    static void emit(List<Op> ops, List<Op> later, Emitter out) {
        new Fusion(ops, later).run(out);
    }

    private void run(Emitter out) {
        int i = 0;
        while (i < ops.size()) {
            i += step(i, out);
        }
    }

    /** Emits the group starting at op i; returns how many ops it took. */
    private int step(int i, Emitter out) {
        Op op = ops.get(i);
        if (op instanceof Norm n && n.out() != n.x()) {
            if (qkv(i)) {
                out.qkvRope(n, (Linear) at(i + 1), (Linear) at(i + 2), (Linear) at(i + 3), (Rope) at(i + 4), (Rope) at(i + 5));
                return 6;
            }
            if (at(i + 1) instanceof GateUp g && g.x() == n.out() && dead(n.out(), i + 1)) {
                out.gateUp(g, n);
                return 2;
            }
            if (at(i + 1) instanceof Linear l && l.x() == n.out() && l.out() != n.x() && dead(n.out(), i + 1)) {
                return 1 + linear(i + 1, n, out);
            }
        }
        if (op instanceof Norm n && n.out() == n.x() && at(i + 1) instanceof Add a && a.x() == n.out()
                && a.acc() != n.x() && dead(n.out(), i + 1)) {
            out.normAdd(n, a);
            return 2;
        }
        if (op instanceof Linear) {
            return linear(i, null, out);
        }
        out.single(op);
        return 1;
    }

    /** A matmul at i (its norm already taken) with the epilogue the next op allows; returns ops taken from i. */
    private int linear(int i, Norm pre, Emitter out) {
        Linear l = (Linear) ops.get(i);
        if (at(i + 1) instanceof Add a && a.x() == l.out() && a.acc() != l.out() && a.acc() != l.x()
                && !l.out().spec().sequenceRows() && dead(l.out(), i + 1)) {
            out.gemv(l, pre, TornadoGemv.ADD, a.acc(), 0f);
            return 2;
        }
        if (at(i + 1) instanceof Softcap s && s.x() == l.out()) {
            out.gemv(l, pre, TornadoGemv.CAP, l.out(), s.cap());
            return 2;
        }
        out.gemv(l, pre, TornadoGemv.STORE, l.out(), 0f);
        return 1;
    }

    /** Norm into h, three bias-free projections of h into q and the k/v caches, RoPE on q and k. */
    private boolean qkv(int i) {
        if (!(at(i) instanceof Norm n && at(i + 1) instanceof Linear q && at(i + 2) instanceof Linear k
                && at(i + 3) instanceof Linear v && at(i + 4) instanceof Rope rq && at(i + 5) instanceof Rope rk)) {
            return false;
        }
        TornadoBuffer h = n.out();
        boolean shapes = q.x() == h && k.x() == h && v.x() == h && q.bias() == null && k.bias() == null && v.bias() == null
                && rq.x() == q.out() && rk.x() == k.out() && rq.headDim() == rk.headDim() && rq.theta() == rk.theta()
                && !q.out().spec().sequenceRows() && k.out().spec().sequenceRows() && v.out().spec().sequenceRows()
                && q.out().width() == rq.heads() * rq.headDim() && k.out().width() == rk.heads() * rk.headDim()
                && v.out().width() == k.out().width() && q.weight().dtype() == k.weight().dtype()
                && k.weight().dtype() == v.weight().dtype() && rq.headDim() % 4 == 0;
        return shapes && dead(h, i + 3);
    }

    private Op at(int i) {
        return i < ops.size() ? ops.get(i) : null;
    }

    /**
     * Whether b's value after op i is never read: the next op touching it (in this stage, then the
     * rest of the pass) writes it without reading it, or nothing touches it again and it is neither
     * sequence-addressed (the KV cache lives across passes) nor a host buffer.
     */
    private boolean dead(TornadoBuffer b, int i) {
        List<Op> rest = new ArrayList<>(ops.subList(i + 1, ops.size()));
        rest.addAll(later);
        for (Op o : rest) {
            if (o.reads().contains(b)) {
                return false;
            }
            if (o.writes().contains(b)) {
                return true;
            }
        }
        return !b.spec().sequenceRows() && b.spec().io() == BufferSpec.Io.DEVICE;
    }
}
