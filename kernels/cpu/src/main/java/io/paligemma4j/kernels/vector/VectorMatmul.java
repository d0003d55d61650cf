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
 * Linear layers on the Vector API (contract: {@link io.paligemma4j.kernels.ref.Matmul}).
 *
 * <p>GEMV (one row, decode) is memory-bound: output rows are split across threads and each dot
 * product streams its weight row once with four independent accumulators, widening 16-bit weights
 * in registers. GEMM (vision, prefill) is compute-bound: each thread owns tiles of {@value #CB}
 * output columns; for each {@value #KC}-wide slice of the input dimension it widens that slice of
 * its weight rows once into an L1-sized scratch, then runs a {@value #RB}×{@value #CB}
 * register-blocked micro-kernel (12 accumulators, AVX2's 16 registers) over every row of x,
 * accumulating partial sums into out. The widening is amortised over all rows.
 */
final class VectorMatmul {
    static final int RB = 4;
    static final int CB = 3;
    static final int KC = 1024;

    private VectorMatmul() {}

    static void matmul(Parallel par, MemorySegment x, int rows, int in, Tensor w, Tensor bias, MemorySegment out) {
        checkShape(w, in);
        if (rows == 1) {
            gemv(par, x, in, w, bias, out);
        } else {
            gemm(par, x, rows, in, w, bias, out, null);
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
            gemm(par, x, rows, in, wGate, null, out, wUp);
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

    /**
     * Tiled GEMM. With {@code up} non-null, w is the gate matrix and the result written is
     * gelu_tanh(gate) ⊙ up; both tiles are computed from the same x rows while they are in cache.
     */
    private static void gemm(Parallel par, MemorySegment x, int rows, int in, Tensor w, Tensor bias,
                             MemorySegment out, Tensor up) {
        int outDim = (int) w.dim(0);
        int tiles = (outDim + CB - 1) / CB;
        int kChunks = (in + KC - 1) / KC;
        par.forRange(tiles, 1, (ts, te) -> {
            float[] wg = new float[CB * KC];
            float[] wu = up != null ? new float[CB * KC] : null;
            float[] acc = new float[RB * CB];
            float[] accUp = new float[RB * CB];
            // With the fused GeGLU, partial sums over k live in these until the last chunk.
            float[] partG = up != null && kChunks > 1 ? new float[rows * CB] : null;
            float[] partU = up != null && kChunks > 1 ? new float[rows * CB] : null;
            for (int t = ts; t < te; t++) {
                int o0 = t * CB;
                int cb = Math.min(CB, outDim - o0);
                for (int kc0 = 0, chunk = 0; kc0 < in; kc0 += KC, chunk++) {
                    int kc = Math.min(KC, in - kc0);
                    widen(w, o0, cb, in, kc0, kc, wg);
                    if (up != null) {
                        widen(up, o0, cb, in, kc0, kc, wu);
                    }
                    boolean first = chunk == 0;
                    boolean last = chunk == kChunks - 1;
                    for (int r0 = 0; r0 < rows; r0 += RB) {
                        int rb = Math.min(RB, rows - r0);
                        tile(x, r0, rb, in, kc0, kc, wg, cb, acc);
                        if (up == null) {
                            for (int r = 0; r < rb; r++) {
                                for (int c = 0; c < cb; c++) {
                                    long idx = (long) (r0 + r) * outDim + o0 + c;
                                    float v = acc[r * CB + c];
                                    if (first) {
                                        v += bias != null ? bias.getFloat(o0 + c) : 0f;
                                    } else {
                                        v += out.getAtIndex(JAVA_FLOAT, idx);
                                    }
                                    out.setAtIndex(JAVA_FLOAT, idx, v);
                                }
                            }
                        } else {
                            tile(x, r0, rb, in, kc0, kc, wu, cb, accUp);
                            for (int r = 0; r < rb; r++) {
                                for (int c = 0; c < cb; c++) {
                                    float g = acc[r * CB + c];
                                    float u = accUp[r * CB + c];
                                    if (partG != null) {
                                        int p = (r0 + r) * CB + c;
                                        g += first ? 0f : partG[p];
                                        u += first ? 0f : partU[p];
                                        partG[p] = g;
                                        partU[p] = u;
                                    }
                                    if (last) {
                                        out.setAtIndex(JAVA_FLOAT, (long) (r0 + r) * outDim + o0 + c,
                                                Activations.gelu(g) * u);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    /** Weight rows [o0, o0+cb), columns [k0, k0+kc) widened to float into dst[c·KC + k]. */
    private static void widen(Tensor w, int o0, int cb, int in, int k0, int kc, float[] dst) {
        DType dt = w.dtype();
        MemorySegment s = w.data();
        for (int c = 0; c < cb; c++) {
            long base = (long) (o0 + c) * in + k0;
            int k = 0;
            for (; k + L <= kc; k += L) {
                Vec.weight(dt, s, base + k).intoArray(dst, c * KC + k);
            }
            for (; k < kc; k++) {
                dst[c * KC + k] = w.getFloat(base + k);
            }
        }
    }

    /** acc[r·CB + c] = Σ_k x[r0+r, k0+k] · wbuf[c·KC + k] for the rb×cb tile. */
    private static void tile(MemorySegment x, int r0, int rb, int in, int k0, int kc, float[] wb, int cb,
                             float[] acc) {
        if (rb == RB && cb == CB) {
            micro4x3(x, r0, in, k0, kc, wb, acc);
            return;
        }
        for (int r = 0; r < rb; r++) {
            long xr = (long) (r0 + r) * in + k0;
            for (int c = 0; c < cb; c++) {
                FloatVector a = FloatVector.zero(F);
                int k = 0;
                for (; k + L <= kc; k += L) {
                    a = Vec.act(x, xr + k).fma(FloatVector.fromArray(F, wb, c * KC + k), a);
                }
                float s = Vec.sum(a);
                for (; k < kc; k++) {
                    s += x.getAtIndex(JAVA_FLOAT, xr + k) * wb[c * KC + k];
                }
                acc[r * CB + c] = s;
            }
        }
    }

    private static void micro4x3(MemorySegment x, int r0, int in, int k0, int kc, float[] wb, float[] acc) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00;
        long x0 = (long) r0 * in + k0;
        long x1 = x0 + in;
        long x2 = x1 + in;
        long x3 = x2 + in;
        int k = 0;
        for (; k + L <= kc; k += L) {
            FloatVector w0 = FloatVector.fromArray(F, wb, k);
            FloatVector w1 = FloatVector.fromArray(F, wb, KC + k);
            FloatVector w2 = FloatVector.fromArray(F, wb, 2 * KC + k);
            FloatVector v = Vec.act(x, x0 + k);
            a00 = v.fma(w0, a00);
            a01 = v.fma(w1, a01);
            a02 = v.fma(w2, a02);
            v = Vec.act(x, x1 + k);
            a10 = v.fma(w0, a10);
            a11 = v.fma(w1, a11);
            a12 = v.fma(w2, a12);
            v = Vec.act(x, x2 + k);
            a20 = v.fma(w0, a20);
            a21 = v.fma(w1, a21);
            a22 = v.fma(w2, a22);
            v = Vec.act(x, x3 + k);
            a30 = v.fma(w0, a30);
            a31 = v.fma(w1, a31);
            a32 = v.fma(w2, a32);
        }
        acc[0] = Vec.sum(a00);
        acc[1] = Vec.sum(a01);
        acc[2] = Vec.sum(a02);
        acc[3] = Vec.sum(a10);
        acc[4] = Vec.sum(a11);
        acc[5] = Vec.sum(a12);
        acc[6] = Vec.sum(a20);
        acc[7] = Vec.sum(a21);
        acc[8] = Vec.sum(a22);
        acc[9] = Vec.sum(a30);
        acc[10] = Vec.sum(a31);
        acc[11] = Vec.sum(a32);
        for (; k < kc; k++) {
            float w0 = wb[k];
            float w1 = wb[KC + k];
            float w2 = wb[2 * KC + k];
            long[] xs = {x0, x1, x2, x3};
            for (int r = 0; r < RB; r++) {
                float v = x.getAtIndex(JAVA_FLOAT, xs[r] + k);
                acc[r * CB] += v * w0;
                acc[r * CB + 1] += v * w1;
                acc[r * CB + 2] += v * w2;
            }
        }
    }
}
