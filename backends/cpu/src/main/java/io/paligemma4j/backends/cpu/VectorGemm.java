package io.paligemma4j.backends.cpu;

import static io.paligemma4j.backends.cpu.Vec.F;
import static io.paligemma4j.backends.cpu.Vec.L;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import io.paligemma4j.kernels.ref.Activations;
import io.paligemma4j.loader.DType;
import io.paligemma4j.loader.Tensor;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * GEMM for the vision tower and prefill (contract: {@link io.paligemma4j.kernels.ref.Matmul}),
 * compute-bound, in the outer-product form of BLIS-style kernels: each thread owns panels of
 * NR = two vectors of output columns; for each k-block it packs that panel's weights, widened to
 * float and transposed to k-major ({@code [kc][NR]}), into an L2-sized scratch, then sweeps all
 * rows of x in MR-row tiles. The micro-kernel keeps an MR×NR tile of out in registers: per k it
 * loads two weight vectors and broadcasts MR x values, 2·MR FMAs and no horizontal reductions.
 * MR follows the register file: 6 rows (12 accumulators + 3) where there are 16 vector registers
 * (AVX2), 12 rows (24 + 3) where there are 32 (AVX-512, NEON, SVE), which halves the weight loads
 * per FMA. The packing is amortised over every row of x.
 */
final class VectorGemm {
    static final int MR = VectorWidth.registers() >= 32 ? 12 : 6;
    static final int NR = 2 * L;
    static final int KC_MAX = 2048;

    private VectorGemm() {}

    /** k-blocks of near-equal size, so that no block is a short, overhead-dominated tail. */
    static int blockSize(int in) {
        int blocks = (in + KC_MAX - 1) / KC_MAX;
        return (in + blocks - 1) / blocks;
    }

    /**
     * out = x·W^T + bias; or, with {@code up} non-null, out = gelu_tanh(x·W^T) ⊙ (x·Up^T) with the
     * two products kept in per-panel scratch until their last k-block.
     */
    static void gemm(Parallel par, MemorySegment x, int rows, int in, Tensor w, Tensor bias, MemorySegment out,
                     Tensor up) {
        int outDim = (int) w.dim(0);
        int panels = (outDim + NR - 1) / NR;
        int kc = blockSize(in);
        // x on the heap: the micro-kernel's six broadcasts per k become plain array loads whose range
        // checks the JIT hoists out of the loop (segment loads keep theirs).
        float[] xa = heapCopy(x, rows * in);
        par.forRange(panels, 1, (ps, pe) -> {
            float[] packW = Scratch.floats(Scratch.PACK_W, kc * NR);
            float[] packU = up != null ? Scratch.floats(Scratch.PACK_U, kc * NR) : null;
            float[] tile = Scratch.floats(Scratch.TILE, MR * NR);
            float[] accG = up != null ? Scratch.floats(Scratch.ACC_G, rows * NR) : null;
            float[] accU = up != null ? Scratch.floats(Scratch.ACC_U, rows * NR) : null;
            float[] biasPanel = Scratch.floats(Scratch.BIAS, NR);
            for (int p = ps; p < pe; p++) {
                int o0 = p * NR;
                int nc = Math.min(NR, outDim - o0);
                for (int c = 0; c < NR; c++) {
                    biasPanel[c] = bias != null && c < nc ? bias.getFloat(o0 + c) : 0f;
                }
                for (int k0 = 0; k0 < in; k0 += kc) {
                    int kb = Math.min(kc, in - k0);
                    boolean first = k0 == 0;
                    boolean last = k0 + kb >= in;
                    pack(w, o0, nc, in, k0, kb, packW);
                    if (up != null) {
                        pack(up, o0, nc, in, k0, kb, packU);
                    }
                    for (int r0 = 0; r0 < rows; r0 += MR) {
                        int mr = Math.min(MR, rows - r0);
                        if (up == null) {
                            micro(xa, r0, mr, in, k0, kb, packW, tile);
                            store(tile, mr, nc, r0, o0, outDim, out, first, biasPanel);
                        } else {
                            micro(xa, r0, mr, in, k0, kb, packW, tile);
                            accumulate(tile, mr, r0, accG, first);
                            micro(xa, r0, mr, in, k0, kb, packU, tile);
                            accumulate(tile, mr, r0, accU, first);
                            if (last) {
                                geglu(accG, accU, mr, nc, r0, o0, outDim, out);
                            }
                        }
                    }
                }
            }
        });
    }

    /** Reused per calling thread, so a prefill does not turn every GEMM's input into garbage. */
    private static final ThreadLocal<float[]> X_COPY = ThreadLocal.withInitial(() -> new float[0]);

    private static float[] heapCopy(MemorySegment x, int n) {
        float[] a = X_COPY.get();
        if (a.length < n) {
            a = new float[n];
            X_COPY.set(a);
        }
        MemorySegment.copy(x, JAVA_FLOAT, 0, a, 0, n);
        return a;
    }

    /**
     * Weight rows [o0, o0+nc) × columns [k0, k0+kb), widened, as dst[k·NR + c]; missing columns are 0.
     * BF16 and F16 are widened one value at a time: the vector widening (a short→int shape change)
     * is not compiled to vector code by C2 here and ran its Java fallback, a third of all GEMM time
     * (JFR); the scalar loop is cheap because each packed panel serves every row of x.
     */
    private static void pack(Tensor w, int o0, int nc, int in, int k0, int kb, float[] dst) {
        DType dt = w.dtype();
        MemorySegment s = w.data();
        float[] row = Scratch.floats(Scratch.ROW, L);
        for (int c = 0; c < NR; c++) {
            if (c >= nc) {
                for (int k = 0; k < kb; k++) {
                    dst[k * NR + c] = 0f;
                }
                continue;
            }
            long base = (long) (o0 + c) * in + k0;
            switch (dt) {
                case F32 -> {
                    int k = 0;
                    for (; k + L <= kb; k += L) {
                        Vec.f32(s, base + k).intoArray(row, 0);
                        for (int j = 0; j < L; j++) {
                            dst[(k + j) * NR + c] = row[j];
                        }
                    }
                    for (; k < kb; k++) {
                        dst[k * NR + c] = w.getFloat(base + k);
                    }
                }
                case BF16 -> {
                    for (int k = 0; k < kb; k++) {
                        dst[k * NR + c] = Float.intBitsToFloat(s.get(Tensor.I16_LE, (base + k) * 2) << 16);
                    }
                }
                case F16 -> {
                    for (int k = 0; k < kb; k++) {
                        dst[k * NR + c] = Float.float16ToFloat(s.get(Tensor.I16_LE, (base + k) * 2));
                    }
                }
                default -> throw new IllegalArgumentException("not a float weight type: " + dt);
            }
        }
    }

    /** tile[r·NR + c] = Σ_k x[r0+r, k0+k] · pack[k·NR + c] for r < mr (rows beyond mr are left as garbage). */
    private static void micro(float[] x, int r0, int mr, int in, int k0, int kb, float[] pack, float[] tile) {
        if (mr == MR) {
            if (MR == 6) {
                micro6(x, r0, in, k0, kb, pack, tile);
            } else {
                micro12(x, r0, in, k0, kb, pack, tile);
            }
            return;
        }
        for (int r = 0; r < mr; r++) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            long xr = (long) (r0 + r) * in + k0;
            for (int k = 0; k < kb; k++) {
                FloatVector b = FloatVector.broadcast(F, x[(int) (xr + k)]);
                a0 = FloatVector.fromArray(F, pack, k * NR).fma(b, a0);
                a1 = FloatVector.fromArray(F, pack, k * NR + L).fma(b, a1);
            }
            a0.intoArray(tile, r * NR);
            a1.intoArray(tile, r * NR + L);
        }
    }

    private static void micro6(float[] x, int r0, int in, int k0, int kb, float[] pack, float[] tile) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        int x0 = r0 * in + k0;
        int x1 = x0 + in;
        int x2 = x1 + in;
        int x3 = x2 + in;
        int x4 = x3 + in;
        int x5 = x4 + in;
        for (int k = 0; k < kb; k++) {
            FloatVector b0 = FloatVector.fromArray(F, pack, k * NR);
            FloatVector b1 = FloatVector.fromArray(F, pack, k * NR + L);
            FloatVector a = FloatVector.broadcast(F, x[x0 + k]);
            c00 = b0.fma(a, c00);
            c01 = b1.fma(a, c01);
            a = FloatVector.broadcast(F, x[x1 + k]);
            c10 = b0.fma(a, c10);
            c11 = b1.fma(a, c11);
            a = FloatVector.broadcast(F, x[x2 + k]);
            c20 = b0.fma(a, c20);
            c21 = b1.fma(a, c21);
            a = FloatVector.broadcast(F, x[x3 + k]);
            c30 = b0.fma(a, c30);
            c31 = b1.fma(a, c31);
            a = FloatVector.broadcast(F, x[x4 + k]);
            c40 = b0.fma(a, c40);
            c41 = b1.fma(a, c41);
            a = FloatVector.broadcast(F, x[x5 + k]);
            c50 = b0.fma(a, c50);
            c51 = b1.fma(a, c51);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
    }

    private static void micro12(float[] x, int r0, int in, int k0, int kb, float[] pack, float[] tile) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        FloatVector c60 = c00, c61 = c00, c70 = c00, c71 = c00, c80 = c00, c81 = c00;
        FloatVector c90 = c00, c91 = c00, ca0 = c00, ca1 = c00, cb0 = c00, cb1 = c00;
        int x0 = r0 * in + k0;
        int x1 = x0 + in;
        int x2 = x1 + in;
        int x3 = x2 + in;
        int x4 = x3 + in;
        int x5 = x4 + in;
        int x6 = x5 + in;
        int x7 = x6 + in;
        int x8 = x7 + in;
        int x9 = x8 + in;
        int xa = x9 + in;
        int xb = xa + in;
        for (int k = 0; k < kb; k++) {
            FloatVector b0 = FloatVector.fromArray(F, pack, k * NR);
            FloatVector b1 = FloatVector.fromArray(F, pack, k * NR + L);
            FloatVector a0 = FloatVector.broadcast(F, x[x0 + k]);
            c00 = b0.fma(a0, c00);
            c01 = b1.fma(a0, c01);
            FloatVector a1 = FloatVector.broadcast(F, x[x1 + k]);
            c10 = b0.fma(a1, c10);
            c11 = b1.fma(a1, c11);
            FloatVector a2 = FloatVector.broadcast(F, x[x2 + k]);
            c20 = b0.fma(a2, c20);
            c21 = b1.fma(a2, c21);
            FloatVector a3 = FloatVector.broadcast(F, x[x3 + k]);
            c30 = b0.fma(a3, c30);
            c31 = b1.fma(a3, c31);
            FloatVector a4 = FloatVector.broadcast(F, x[x4 + k]);
            c40 = b0.fma(a4, c40);
            c41 = b1.fma(a4, c41);
            FloatVector a5 = FloatVector.broadcast(F, x[x5 + k]);
            c50 = b0.fma(a5, c50);
            c51 = b1.fma(a5, c51);
            FloatVector a6 = FloatVector.broadcast(F, x[x6 + k]);
            c60 = b0.fma(a6, c60);
            c61 = b1.fma(a6, c61);
            FloatVector a7 = FloatVector.broadcast(F, x[x7 + k]);
            c70 = b0.fma(a7, c70);
            c71 = b1.fma(a7, c71);
            FloatVector a8 = FloatVector.broadcast(F, x[x8 + k]);
            c80 = b0.fma(a8, c80);
            c81 = b1.fma(a8, c81);
            FloatVector a9 = FloatVector.broadcast(F, x[x9 + k]);
            c90 = b0.fma(a9, c90);
            c91 = b1.fma(a9, c91);
            FloatVector aa = FloatVector.broadcast(F, x[xa + k]);
            ca0 = b0.fma(aa, ca0);
            ca1 = b1.fma(aa, ca1);
            FloatVector ab = FloatVector.broadcast(F, x[xb + k]);
            cb0 = b0.fma(ab, cb0);
            cb1 = b1.fma(ab, cb1);
        }
        c00.intoArray(tile, 0 * NR);
        c01.intoArray(tile, 0 * NR + L);
        c10.intoArray(tile, 1 * NR);
        c11.intoArray(tile, 1 * NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
        c60.intoArray(tile, 6 * NR);
        c61.intoArray(tile, 6 * NR + L);
        c70.intoArray(tile, 7 * NR);
        c71.intoArray(tile, 7 * NR + L);
        c80.intoArray(tile, 8 * NR);
        c81.intoArray(tile, 8 * NR + L);
        c90.intoArray(tile, 9 * NR);
        c91.intoArray(tile, 9 * NR + L);
        ca0.intoArray(tile, 10 * NR);
        ca1.intoArray(tile, 10 * NR + L);
        cb0.intoArray(tile, 11 * NR);
        cb1.intoArray(tile, 11 * NR + L);
    }

    /** out tile = tile + (bias on the first k-block, else what earlier k-blocks left), by vectors where whole. */
    private static void store(float[] tile, int mr, int nc, int r0, int o0, int outDim, MemorySegment out,
                              boolean first, float[] biasPanel) {
        for (int r = 0; r < mr; r++) {
            long base = (long) (r0 + r) * outDim + o0;
            if (nc == NR) {
                for (int v = 0; v < NR; v += L) {
                    FloatVector a = first ? FloatVector.fromArray(F, biasPanel, v) : Vec.act(out, base + v);
                    Vec.store(FloatVector.fromArray(F, tile, r * NR + v).add(a), out, base + v);
                }
                continue;
            }
            for (int c = 0; c < nc; c++) {
                float v = tile[r * NR + c];
                v += first ? biasPanel[c] : out.getAtIndex(JAVA_FLOAT, base + c);
                out.setAtIndex(JAVA_FLOAT, base + c, v);
            }
        }
    }

    /** out = gelu_tanh(gate) ⊙ up for a finished tile, by vectors where whole (the scalar tanh was 10 % of prefill). */
    private static void geglu(float[] accG, float[] accU, int mr, int nc, int r0, int o0, int outDim,
                              MemorySegment out) {
        for (int r = 0; r < mr; r++) {
            int i0 = (r0 + r) * NR;
            long base = (long) (r0 + r) * outDim + o0;
            int c = 0;
            if (nc == NR) {
                for (; c < NR; c += L) {
                    FloatVector g = FloatVector.fromArray(F, accG, i0 + c);
                    Vec.store(VectorActivations.gelu(g).mul(FloatVector.fromArray(F, accU, i0 + c)), out, base + c);
                }
            }
            for (; c < nc; c++) {
                out.setAtIndex(JAVA_FLOAT, base + c, Activations.gelu(accG[i0 + c]) * accU[i0 + c]);
            }
        }
    }

    private static void accumulate(float[] tile, int mr, int r0, float[] acc, boolean first) {
        for (int r = 0; r < mr; r++) {
            for (int c = 0; c < NR; c++) {
                int i = (r0 + r) * NR + c;
                acc[i] = first ? tile[r * NR + c] : acc[i] + tile[r * NR + c];
            }
        }
    }
}
