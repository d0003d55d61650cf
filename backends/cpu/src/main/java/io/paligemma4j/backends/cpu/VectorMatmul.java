package io.paligemma4j.backends.cpu;

import static io.paligemma4j.backends.cpu.Vec.F;
import static io.paligemma4j.backends.cpu.Vec.L;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import io.paligemma4j.loader.DType;
import io.paligemma4j.loader.Tensor;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Linear layers on the Vector API (contract: {@link io.paligemma4j.kernels.ref.Matmul}). GEMV (one
 * row, decode) is memory-bound and lives here: output rows are split across threads, each thread
 * reads four rows at a time, a quarter of its range apart, and streams each weight once, widening
 * 16-bit weights in registers. GEMM (several rows) is {@link VectorGemm}.
 */
final class VectorMatmul {
    static final int GEGLU_BLOCK = 64;
    private VectorMatmul() {}

    static void matmul(Parallel par, MemorySegment x, int rows, int in, Tensor w, Tensor bias, MemorySegment out) {
        checkShape(w, in);
        if (rows == 1) {
            gemv(par, x, in, w, bias, out);
        } else {
            VectorGemm.gemm(par, x, rows, in, w, bias, out, null);
        }
    }

    /** out = gelu_tanh(x·Wg^T) ⊙ (x·Wu^T), never materialising the gate or up projections. */
    static void gateUpGeglu(Parallel par, MemorySegment x, int rows, int in, Tensor wGate, Tensor wUp,
                            MemorySegment out) {
        checkShape(wGate, in);
        checkShape(wUp, in);
        if (rows == 1) {
            int outDim = (int) wGate.dim(0);
            Input xv = new Input(x, in);
            par.forRange(outDim, 64, (s, e) -> {
                // Per block, the gate rows then the same up rows, in quarters (see gemv): one weight
                // matrix streamed at a time (interleaving the two measured slower), intermediates only
                // in block-sized scratch, whole vectors even past the block (SVE's odd widths).
                int q = (e - s) / ROWS;
                int cap = ((ROWS * GEGLU_BLOCK) + L - 1) / L * L;
                float[] g = new float[cap];
                float[] u = new float[cap];
                float[] t = new float[cap];
                float[] acc = new float[ROWS];
                for (int b = 0; b < q; b += GEGLU_BLOCK) {
                    int n = Math.min(GEGLU_BLOCK, q - b);
                    for (int i = 0; i < n; i++) {
                        quarterDots(wGate.dtype(), xv, wGate.data(), s + b + i, q, in, acc);
                        for (int r = 0; r < ROWS; r++) {
                            g[r * n + i] = acc[r];
                        }
                    }
                    for (int i = 0; i < n; i++) {
                        quarterDots(wUp.dtype(), xv, wUp.data(), s + b + i, q, in, acc);
                        for (int r = 0; r < ROWS; r++) {
                            u[r * n + i] = acc[r];
                        }
                    }
                    VectorActivations.gegluInPlace(g, u, t, 0, cap);
                    for (int r = 0; r < ROWS; r++) {
                        MemorySegment.copy(g, r * n, out, JAVA_FLOAT, (long) (s + r * q + b) * Float.BYTES, n);
                    }
                }
                int rest = e - (s + ROWS * q);
                if (rest > 0) {
                    for (int i = 0; i < rest; i++) {
                        g[i] = dot(wGate.dtype(), xv, wGate.data(), (long) (s + ROWS * q + i) * in, in);
                        u[i] = dot(wUp.dtype(), xv, wUp.data(), (long) (s + ROWS * q + i) * in, in);
                    }
                    VectorActivations.gegluInPlace(g, u, t, 0, cap);
                    MemorySegment.copy(g, 0, out, JAVA_FLOAT, (long) (s + ROWS * q) * Float.BYTES, rest);
                }
            });
        } else {
            VectorGemm.gemm(par, x, rows, in, wGate, null, out, wUp);
        }
    }

    private static void checkShape(Tensor w, int in) {
        if (w.rank() != 2 || w.dim(1) != in) {
            throw new IllegalArgumentException(w + " does not take inputs of width " + in);
        }
    }

    /**
     * Each thread's range of rows is cut into four quarters, and each step takes one row from each:
     * rows o, o+q, o+2q, o+3q. Every one of the four weight loads then walks through consecutive
     * rows, one unbroken stream per quarter, where four adjacent rows per step make each stream jump
     * after one row. With 4 KB rows (Gemma's gate and up) that doubled one core's read rate in C and
     * in Java alike (measured 7–9 to 13–15 GB/s); 32 KB rows (down) gain little.
     */
    private static void gemv(Parallel par, MemorySegment x, int in, Tensor w, Tensor bias, MemorySegment out) {
        int outDim = (int) w.dim(0);
        DType dt = w.dtype();
        MemorySegment ws = w.data();
        Input xv = new Input(x, in);
        par.forRange(outDim, 64, (s, e) -> {
            float[] acc = new float[ROWS];
            int q = (e - s) / ROWS;
            for (int o = s; o < s + q; o++) {
                quarterDots(dt, xv, ws, o, q, in, acc);
                for (int r = 0; r < ROWS; r++) {
                    int row = o + r * q;
                    out.setAtIndex(JAVA_FLOAT, row, bias != null ? acc[r] + bias.getFloat(row) : acc[r]);
                }
            }
            for (int row = s + ROWS * q; row < e; row++) {
                float d = dot(dt, xv, ws, (long) row * in, in);
                out.setAtIndex(JAVA_FLOAT, row, bias != null ? d + bias.getFloat(row) : d);
            }
        });
    }

    /** Rows per BF16 dot: four weight streams share each load of x and amortise the per-row reduction. */
    static final int ROWS = 4;

    /** acc[r] = Σ x[i]·w[(o + r·q)·in + i] for r < {@link #ROWS}: four rows q apart. */
    static void quarterDots(DType dt, Input x, MemorySegment w, int o, int q, int in, float[] acc) {
        if (dt == DType.BF16 && (in & 1) == 0) {
            dot4Bf16(x, w, (long) o * in, (long) q * in, in, acc);
            return;
        }
        if (dt == DType.F16 && (in & 1) == 0) {
            dotsF16(x, w, (long) o * in, (long) q * in, ROWS, in, acc);
            return;
        }
        for (int r = 0; r < ROWS; r++) {
            acc[r] = dot(dt, x, w, (long) (o + r * q) * in, in);
        }
    }

    /**
     * Four BF16 rows of even length {@code in}, starting at elements wo, wo+step, wo+2·step and
     * wo+3·step: per step one vector of x's even and odd elements, two ints-as-pairs vectors per row,
     * eight accumulators. Same per-row summation order as {@link #dotBf16} (even and odd lanes apart,
     * summed in lane order at the end), so a row's result does not depend on which path computed it.
     */
    private static void dot4Bf16(Input x, MemorySegment w, long wo, long step, int in, float[] acc) {
        FloatVector e0 = FloatVector.zero(F), o0 = e0, e1 = e0, o1 = e0, e2 = e0, o2 = e0, e3 = e0, o3 = e0;
        float[] xe = x.even();
        float[] xo = x.odd();
        long b0 = wo * 2;
        long b1 = b0 + step * 2;
        long b2 = b1 + step * 2;
        long b3 = b2 + step * 2;
        int i = 0;
        for (; i + 2 * L <= in; i += 2 * L) {
            FloatVector ve = FloatVector.fromArray(F, xe, i / 2);
            FloatVector vo = FloatVector.fromArray(F, xo, i / 2);
            IntVector p0 = IntVector.fromMemorySegment(Vec.I, w, b0 + i * 2L, Vec.LE);
            IntVector p1 = IntVector.fromMemorySegment(Vec.I, w, b1 + i * 2L, Vec.LE);
            IntVector p2 = IntVector.fromMemorySegment(Vec.I, w, b2 + i * 2L, Vec.LE);
            IntVector p3 = IntVector.fromMemorySegment(Vec.I, w, b3 + i * 2L, Vec.LE);
            e0 = p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ve, e0);
            o0 = p0.and(0xFFFF0000).reinterpretAsFloats().fma(vo, o0);
            e1 = p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ve, e1);
            o1 = p1.and(0xFFFF0000).reinterpretAsFloats().fma(vo, o1);
            e2 = p2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ve, e2);
            o2 = p2.and(0xFFFF0000).reinterpretAsFloats().fma(vo, o2);
            e3 = p3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ve, e3);
            o3 = p3.and(0xFFFF0000).reinterpretAsFloats().fma(vo, o3);
        }
        float[] lanes = Scratch.floats(Scratch.LANES, ROWS * L);
        e0.add(o0).intoArray(lanes, 0);
        e1.add(o1).intoArray(lanes, L);
        e2.add(o2).intoArray(lanes, 2 * L);
        e3.add(o3).intoArray(lanes, 3 * L);
        acc[0] = tailBf16(x, w, wo, i, in, Vec.sum(lanes, 0));
        acc[1] = tailBf16(x, w, wo + step, i, in, Vec.sum(lanes, L));
        acc[2] = tailBf16(x, w, wo + 2 * step, i, in, Vec.sum(lanes, 2 * L));
        acc[3] = tailBf16(x, w, wo + 3 * step, i, in, Vec.sum(lanes, 3 * L));
    }

    private static float tailBf16(Input x, MemorySegment w, long wo, int from, int n, float s) {
        for (int i = from; i < n; i++) {
            s += x.x().getAtIndex(JAVA_FLOAT, i) * Tensor.bf16ToFloat(w.get(Tensor.I16_LE, (wo + i) * 2));
        }
        return s;
    }

    /**
     * A GEMV input: the row as stored, and split into even and odd elements for the BF16 loop, which
     * reads 16 weights as eight ints and widens them with a shift (even) and a mask (odd). That keeps
     * every vector the same shape; a shape-changing short→int conversion was not reliably compiled
     * to vector code here.
     */
    record Input(MemorySegment x, float[] even, float[] odd) {
        Input(MemorySegment x, int n) {
            this(x, new float[(n + 1) / 2], new float[(n + 1) / 2]);
            for (int i = 0; i < n; i++) {
                (i % 2 == 0 ? even : odd)[i / 2] = x.getAtIndex(JAVA_FLOAT, i);
            }
        }
    }

    /** Σ x[i]·w[wo+i] for i < n, with the loop specialised per dtype. */
    static float dot(DType dt, Input x, MemorySegment w, long wo, int n) {
        return switch (dt) {
            case F32 -> dotF32(x.x(), 0, w, wo, n);
            case BF16 -> dotBf16(x, w, wo, n);
            case F16 -> (wo & 1) == 0 && (n & 1) == 0 ? dotF16Pairs(x, w, wo, n) : dotF16(x.x(), 0, w, wo, n);
            default -> throw new IllegalArgumentException("not a float weight type: " + dt);
        };
    }

    private static float dotF32(MemorySegment x, long xo, MemorySegment w, long wo, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i + 4 * L <= n; i += 4 * L) {
            long wb = (wo + i) * 4;
            long xb = (xo + i) * 4;
            a0 = FloatVector.fromMemorySegment(F, w, wb, Vec.LE).fma(FloatVector.fromMemorySegment(F, x, xb, Vec.NATIVE), a0);
            a1 = FloatVector.fromMemorySegment(F, w, wb + 4 * L, Vec.LE)
                    .fma(FloatVector.fromMemorySegment(F, x, xb + 4 * L, Vec.NATIVE), a1);
            a2 = FloatVector.fromMemorySegment(F, w, wb + 8 * L, Vec.LE)
                    .fma(FloatVector.fromMemorySegment(F, x, xb + 8 * L, Vec.NATIVE), a2);
            a3 = FloatVector.fromMemorySegment(F, w, wb + 12 * L, Vec.LE)
                    .fma(FloatVector.fromMemorySegment(F, x, xb + 12 * L, Vec.NATIVE), a3);
        }
        for (; i + L <= n; i += L) {
            a0 = FloatVector.fromMemorySegment(F, w, (wo + i) * 4, Vec.LE)
                    .fma(FloatVector.fromMemorySegment(F, x, (xo + i) * 4, Vec.NATIVE), a0);
        }
        float[] lanes = Scratch.floats(Scratch.LANES, L);
        a0.add(a1).add(a2.add(a3)).intoArray(lanes, 0);
        float s = Vec.sum(lanes, 0);
        for (; i < n; i++) {
            s += x.getAtIndex(JAVA_FLOAT, xo + i) * w.get(Tensor.F32_LE, (wo + i) * 4);
        }
        return s;
    }

    private static float dotBf16(Input x, MemorySegment w, long wo, int n) {
        FloatVector e = FloatVector.zero(F), o = e;
        float[] xe = x.even();
        float[] xo = x.odd();
        int i = 0;
        if ((wo & 1) == 0) { // pairs of weights must not straddle rows
            for (; i + 2 * L <= n; i += 2 * L) {
                IntVector p = IntVector.fromMemorySegment(Vec.I, w, (wo + i) * 2, Vec.LE);
                e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, xe, i / 2), e);
                o = p.and(0xFFFF0000).reinterpretAsFloats().fma(FloatVector.fromArray(F, xo, i / 2), o);
            }
        }
        float[] lanes = Scratch.floats(Scratch.LANES, L);
        e.add(o).intoArray(lanes, 0);
        return tailBf16(x, w, wo, i, n, Vec.sum(lanes, 0));
    }

    /** Pairs per block of {@link #dotsF16}: 2·256 weights a row, widened into L1-sized scratch. */
    private static final int F16_BLOCK = 256;

    private static float dotF16Pairs(Input x, MemorySegment w, long wo, int n) {
        float[] one = Scratch.floats(Scratch.ROW, 1);
        dotsF16(x, w, wo, 0, 1, n, one);
        return one[0];
    }

    /**
     * acc[r] for {@code rows} F16 rows of even length {@code in} at elements wo + r·step. Like BF16,
     * 16 weights are read as 8 ints of pairs and split into even (mask) and odd (shift) halves, one
     * shape throughout: the short→int shape change of {@link Vec#f16} ran 4× under BF16's speed here.
     * A block of each row is widened into scratch first, so that no vector crosses a call, then
     * dotted with x's even and odd halves. The per-row order (even and odd lanes apart, blocks in
     * order, lanes summed in order, then the scalar tail) does not depend on {@code rows}, so a row's
     * result does not depend on which path computed it.
     */
    private static void dotsF16(Input x, MemorySegment w, long wo, long step, int rows, int in, float[] acc) {
        float[] xe = x.even();
        float[] xo = x.odd();
        float[] we = Scratch.floats(Scratch.F16_EVEN, ROWS * F16_BLOCK);
        float[] wd = Scratch.floats(Scratch.F16_ODD, ROWS * F16_BLOCK);
        float[] sums = Scratch.floats(Scratch.F16_ACC, 2 * ROWS * L);
        java.util.Arrays.fill(sums, 0, 2 * rows * L, 0f);
        int pairs = in / 2 / L * L;
        for (int p0 = 0; p0 < pairs; p0 += F16_BLOCK) {
            int np = Math.min(F16_BLOCK, pairs - p0);
            for (int r = 0; r < rows; r++) {
                widenF16Pairs(w, (wo + r * step + 2L * p0) * 2, np, we, wd, r * F16_BLOCK);
            }
            for (int r = 0; r < rows; r++) {
                FloatVector e = FloatVector.fromArray(F, sums, 2 * r * L);
                FloatVector o = FloatVector.fromArray(F, sums, (2 * r + 1) * L);
                int b = r * F16_BLOCK;
                for (int j = 0; j < np; j += L) {
                    e = FloatVector.fromArray(F, we, b + j).fma(FloatVector.fromArray(F, xe, p0 + j), e);
                    o = FloatVector.fromArray(F, wd, b + j).fma(FloatVector.fromArray(F, xo, p0 + j), o);
                }
                e.intoArray(sums, 2 * r * L);
                o.intoArray(sums, (2 * r + 1) * L);
            }
        }
        float[] lanes = Scratch.floats(Scratch.LANES, L);
        for (int r = 0; r < rows; r++) {
            FloatVector.fromArray(F, sums, 2 * r * L).add(FloatVector.fromArray(F, sums, (2 * r + 1) * L)).intoArray(lanes, 0);
            float s = Vec.sum(lanes, 0);
            long row = wo + r * step;
            for (int i = 2 * pairs; i < in; i++) {
                s += x.x().getAtIndex(JAVA_FLOAT, i) * Float.float16ToFloat(w.get(Tensor.I16_LE, (row + i) * 2));
            }
            acc[r] = s;
        }
    }

    /**
     * np pairs of F16 weights from byte offset {@code at}, widened: even elements to even[off…],
     * odd ones to odd[off…]. Exponent rebias by a multiply (exact for subnormals), Inf/NaN by mask.
     */
    private static void widenF16Pairs(MemorySegment w, long at, int np, float[] even, float[] odd, int off) {
        for (int j = 0; j < np; j += L) {
            IntVector p = IntVector.fromMemorySegment(Vec.I, w, at + j * 4L, Vec.LE);
            for (int half = 0; half < 2; half++) {
                IntVector h = half == 0 ? p.and(0xFFFF) : p.lanewise(VectorOperators.LSHR, 16);
                IntVector em = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13);
                IntVector bits = em.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                        .blend(em.or(0x7F800000), h.and(0x7C00).eq(0x7C00));
                bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats()
                        .intoArray(half == 0 ? even : odd, off + j);
            }
        }
    }

    private static float dotF16(MemorySegment x, long xo, MemorySegment w, long wo, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i + 4 * L <= n; i += 4 * L) {
            long xb = (xo + i) * 4;
            a0 = Vec.f16(w, wo + i).fma(FloatVector.fromMemorySegment(F, x, xb, Vec.NATIVE), a0);
            a1 = Vec.f16(w, wo + i + L).fma(FloatVector.fromMemorySegment(F, x, xb + 4 * L, Vec.NATIVE), a1);
            a2 = Vec.f16(w, wo + i + 2 * L).fma(FloatVector.fromMemorySegment(F, x, xb + 8 * L, Vec.NATIVE), a2);
            a3 = Vec.f16(w, wo + i + 3 * L).fma(FloatVector.fromMemorySegment(F, x, xb + 12 * L, Vec.NATIVE), a3);
        }
        for (; i + L <= n; i += L) {
            a0 = Vec.f16(w, wo + i).fma(FloatVector.fromMemorySegment(F, x, (xo + i) * 4, Vec.NATIVE), a0);
        }
        float[] lanes = Scratch.floats(Scratch.LANES, L);
        a0.add(a1).add(a2.add(a3)).intoArray(lanes, 0);
        float s = Vec.sum(lanes, 0);
        for (; i < n; i++) {
            s += x.getAtIndex(JAVA_FLOAT, xo + i) * Float.float16ToFloat(w.get(Tensor.I16_LE, (wo + i) * 2));
        }
        return s;
    }
}
