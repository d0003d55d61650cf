package io.paligemma4j.kernels.vector;

import static io.paligemma4j.kernels.vector.Vec.F;
import static io.paligemma4j.kernels.vector.Vec.L;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import io.paligemma4j.kernels.ref.Activations;
import io.paligemma4j.loader.DType;
import io.paligemma4j.loader.Tensor;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Linear layers on the Vector API (contract: {@link io.paligemma4j.kernels.ref.Matmul}). GEMV (one
 * row, decode) is memory-bound and lives here: output rows are split across threads and each dot
 * product streams its weight row once with four independent accumulators, widening 16-bit weights
 * in registers. GEMM (several rows) is {@link VectorGemm}.
 */
final class VectorMatmul {
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
            par.forRange(outDim, 64, (s, e) -> {
                for (int o = s; o < e; o++) {
                    float g = dot(wGate.dtype(), x, 0, wGate.data(), (long) o * in, in);
                    float u = dot(wUp.dtype(), x, 0, wUp.data(), (long) o * in, in);
                    out.setAtIndex(JAVA_FLOAT, o, Activations.gelu(g) * u);
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

    private static void gemv(Parallel par, MemorySegment x, int in, Tensor w, Tensor bias, MemorySegment out) {
        int outDim = (int) w.dim(0);
        DType dt = w.dtype();
        MemorySegment ws = w.data();
        par.forRange(outDim, 64, (s, e) -> {
            for (int o = s; o < e; o++) {
                float acc = dot(dt, x, 0, ws, (long) o * in, in);
                if (bias != null) {
                    acc += bias.getFloat(o);
                }
                out.setAtIndex(JAVA_FLOAT, o, acc);
            }
        });
    }

    /** Σ x[xo+i]·w[wo+i] for i < n, with the loop specialised per dtype. */
    static float dot(DType dt, MemorySegment x, long xo, MemorySegment w, long wo, int n) {
        return switch (dt) {
            case F32 -> dotF32(x, xo, w, wo, n);
            case BF16 -> dotBf16(x, xo, w, wo, n);
            case F16 -> dotF16(x, xo, w, wo, n);
            default -> throw new IllegalArgumentException("not a float weight type: " + dt);
        };
    }

    private static float dotF32(MemorySegment x, long xo, MemorySegment w, long wo, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i + 4 * L <= n; i += 4 * L) {
            a0 = Vec.f32(w, wo + i).fma(Vec.act(x, xo + i), a0);
            a1 = Vec.f32(w, wo + i + L).fma(Vec.act(x, xo + i + L), a1);
            a2 = Vec.f32(w, wo + i + 2 * L).fma(Vec.act(x, xo + i + 2 * L), a2);
            a3 = Vec.f32(w, wo + i + 3 * L).fma(Vec.act(x, xo + i + 3 * L), a3);
        }
        for (; i + L <= n; i += L) {
            a0 = Vec.f32(w, wo + i).fma(Vec.act(x, xo + i), a0);
        }
        float s = Vec.sum(a0.add(a1).add(a2.add(a3)));
        for (; i < n; i++) {
            s += x.getAtIndex(JAVA_FLOAT, xo + i) * w.get(Tensor.F32_LE, (wo + i) * 4);
        }
        return s;
    }

    private static float dotBf16(MemorySegment x, long xo, MemorySegment w, long wo, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i + 4 * L <= n; i += 4 * L) {
            a0 = Vec.bf16(w, wo + i).fma(Vec.act(x, xo + i), a0);
            a1 = Vec.bf16(w, wo + i + L).fma(Vec.act(x, xo + i + L), a1);
            a2 = Vec.bf16(w, wo + i + 2 * L).fma(Vec.act(x, xo + i + 2 * L), a2);
            a3 = Vec.bf16(w, wo + i + 3 * L).fma(Vec.act(x, xo + i + 3 * L), a3);
        }
        for (; i + L <= n; i += L) {
            a0 = Vec.bf16(w, wo + i).fma(Vec.act(x, xo + i), a0);
        }
        float s = Vec.sum(a0.add(a1).add(a2.add(a3)));
        for (; i < n; i++) {
            s += x.getAtIndex(JAVA_FLOAT, xo + i) * Tensor.bf16ToFloat(w.get(Tensor.I16_LE, (wo + i) * 2));
        }
        return s;
    }

    private static float dotF16(MemorySegment x, long xo, MemorySegment w, long wo, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i + 4 * L <= n; i += 4 * L) {
            a0 = Vec.f16(w, wo + i).fma(Vec.act(x, xo + i), a0);
            a1 = Vec.f16(w, wo + i + L).fma(Vec.act(x, xo + i + L), a1);
            a2 = Vec.f16(w, wo + i + 2 * L).fma(Vec.act(x, xo + i + 2 * L), a2);
            a3 = Vec.f16(w, wo + i + 3 * L).fma(Vec.act(x, xo + i + 3 * L), a3);
        }
        for (; i + L <= n; i += L) {
            a0 = Vec.f16(w, wo + i).fma(Vec.act(x, xo + i), a0);
        }
        float s = Vec.sum(a0.add(a1).add(a2.add(a3)));
        for (; i < n; i++) {
            s += x.getAtIndex(JAVA_FLOAT, xo + i) * Float.float16ToFloat(w.get(Tensor.I16_LE, (wo + i) * 2));
        }
        return s;
    }
}
