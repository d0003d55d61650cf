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
 * GEMM for the vision tower and prefill (contract: {@link io.paligemma4j.kernels.ref.Matmul}),
 * compute-bound, in the outer-product form of BLIS-style kernels. x is copied once per call to the
 * heap, rows padded with zeros to whole MR-row tiles, so every tile takes the full micro-kernel.
 * Each thread owns panels of NR = two vectors of output columns; for each k-block it packs that
 * panel's weights, widened to float and k-major ({@code [kc][NR]}), then sweeps every row tile.
 * The micro-kernel keeps an MR×NR tile in registers: per k it loads two weight vectors and
 * broadcasts MR x values, 2·MR FMAs and no horizontal reductions. Tiles accumulate over k-blocks
 * in a per-panel accumulator, written out (with the bias, or GeGLU) after the last. MR follows the
 * register file: 6 rows (12 accumulators + 3) where there are 16 vector registers (AVX2), 12 rows
 * (24 + 3) where there are 32 (AVX-512, NEON, SVE). A k-block's packed weights fit in half of L1
 * ({@link #L1_PANEL_BYTES}) and a k-block of x in L2; 2048-deep blocks measured the same within
 * this machine's noise.
 */
final class VectorGemm {
    static final int MR = VectorWidth.registers() >= 32 ? 12 : 6;
    static final int NR = 2 * L;
    /** Packed weights per k-block: half a 32 KB L1 data cache, leaving room for the x stream. */
    static final int L1_PANEL_BYTES = 16 * 1024;
    static final int KC_MAX = Math.max(64, L1_PANEL_BYTES / (NR * Float.BYTES));

    private VectorGemm() {}

    /** k-blocks of near-equal size, so that no block is a short, overhead-dominated tail. */
    static int blockSize(int in) {
        int blocks = (in + KC_MAX - 1) / KC_MAX;
        return (in + blocks - 1) / blocks;
    }

    /**
     * out = x·W^T + bias; or, with {@code up} non-null, out = gelu_tanh(x·W^T) ⊙ (x·Up^T) with the
     * two products kept in per-panel accumulators until their last k-block.
     */
    static void gemm(Parallel par, MemorySegment x, int rows, int in, Tensor w, Tensor bias, MemorySegment out,
                     Tensor up) {
        int outDim = (int) w.dim(0);
        int panels = (outDim + NR - 1) / NR;
        int tiles = (rows + MR - 1) / MR;
        int kc = blockSize(in);
        float[] xa = heapCopy(x, rows, tiles, in);
        par.forRange(panels, 1, (ps, pe) -> {
            float[] packW = Scratch.floats(Scratch.PACK_W, kc * NR);
            float[] packU = up != null ? Scratch.floats(Scratch.PACK_U, kc * NR) : null;
            float[] accG = Scratch.floats(Scratch.ACC_G, tiles * MR * NR);
            float[] accU = up != null ? Scratch.floats(Scratch.ACC_U, tiles * MR * NR) : null;
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
                    pack(w, o0, nc, in, k0, kb, packW);
                    if (up != null) {
                        pack(up, o0, nc, in, k0, kb, packU);
                    }
                    for (int t = 0; t < tiles; t++) {
                        int xo = t * MR * in + k0;
                        micro(xa, xo, in, kb, packW, accG, t * MR * NR, first);
                        if (up != null) {
                            micro(xa, xo, in, kb, packU, accU, t * MR * NR, first);
                        }
                    }
                }
                if (up != null) {
                    // GeGLU has no bias: its panel is zeros, and the store below is the same.
                    VectorActivations.gegluInPlace(accG, accU, Scratch.floats(Scratch.TMP, tiles * MR * NR), 0,
                            tiles * MR * NR);
                }
                for (int t = 0; t < tiles; t++) {
                    int r0 = t * MR;
                    store(accG, Math.min(MR, rows - r0), nc, r0, o0, outDim, out, biasPanel);
                }
            }
        });
    }

    /** Reused per calling thread, so a prefill does not turn every GEMM's input into garbage. */
    private static final ThreadLocal<float[]> X_COPY = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * x on the heap, rows padded with zeros to whole tiles: the micro-kernel's broadcasts become plain
     * array loads whose range checks the JIT hoists out of the loop (segment loads keep theirs).
     */
    private static float[] heapCopy(MemorySegment x, int rows, int tiles, int in) {
        float[] a = X_COPY.get();
        int n = tiles * MR * in;
        if (a.length < n) {
            a = new float[n];
            X_COPY.set(a);
        }
        MemorySegment.copy(x, JAVA_FLOAT, 0, a, 0, rows * in);
        java.util.Arrays.fill(a, rows * in, n, 0f);
        return a;
    }

    /**
     * Weight rows [o0, o0+nc) × columns [k0, k0+kb), widened, as dst[k·NR + c]; missing columns are 0.
     * F16 is widened one value at a time: the vector widening (a short→int shape change) is not
     * compiled to vector code by C2 here and ran its Java fallback, a third of all GEMM time (JFR).
     */
    private static void pack(Tensor w, int o0, int nc, int in, int k0, int kb, float[] dst) {
        DType dt = w.dtype();
        MemorySegment s = w.data();
        float[] row = Scratch.floats(Scratch.ROW, 2 * L);
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
                        FloatVector.fromMemorySegment(F, s, (base + k) * 4L, Vec.LE).intoArray(row, 0);
                        for (int j = 0; j < L; j++) {
                            dst[(k + j) * NR + c] = row[j];
                        }
                    }
                    for (; k < kb; k++) {
                        dst[k * NR + c] = w.getFloat(base + k);
                    }
                }
                case BF16 -> {
                    // 2L values per load, as L ints of pairs widened by shift (even k) and mask (odd
                    // k), as in the GEMV; only the transposing stores are scalar.
                    int k = 0;
                    for (; k + 2 * L <= kb; k += 2 * L) {
                        IntVector pairs = IntVector.fromMemorySegment(Vec.I, s, (base + k) * 2, Vec.LE);
                        pairs.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(row, 0);
                        pairs.and(0xFFFF0000).reinterpretAsFloats().intoArray(row, L);
                        for (int j = 0; j < L; j++) {
                            dst[(k + 2 * j) * NR + c] = row[j];
                            dst[(k + 2 * j + 1) * NR + c] = row[L + j];
                        }
                    }
                    for (; k < kb; k++) {
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

    /**
     * acc[ao + r·NR + c] (+)= Σ_k x[xo + r·in + k] · pack[k·NR + c] over one k-block of kb: a whole
     * MR×NR tile, starting from zero on the first k-block.
     */
    private static void micro(float[] x, int xo, int in, int kb, float[] pack, float[] acc, int ao, boolean first) {
        if (first) {
            java.util.Arrays.fill(acc, ao, ao + MR * NR, 0f);
        }
        if (MR == 6) {
            micro6(x, xo, in, kb, pack, acc, ao);
        } else {
            micro12(x, xo, in, kb, pack, acc, ao);
        }
    }

    // One k per iteration: unrolled by two, or with x packed k-major, C2 hoists loads ahead of the
    // FMAs and spills two accumulators to the stack, which measured 2x slower (JDK 25, AVX2).
    private static void micro6(float[] x, int xo, int in, int kb, float[] pack, float[] acc, int ao) {
        FloatVector c00 = FloatVector.fromArray(F, acc, ao + 0 * NR);
        FloatVector c01 = FloatVector.fromArray(F, acc, ao + 0 * NR + L);
        FloatVector c10 = FloatVector.fromArray(F, acc, ao + 1 * NR);
        FloatVector c11 = FloatVector.fromArray(F, acc, ao + 1 * NR + L);
        FloatVector c20 = FloatVector.fromArray(F, acc, ao + 2 * NR);
        FloatVector c21 = FloatVector.fromArray(F, acc, ao + 2 * NR + L);
        FloatVector c30 = FloatVector.fromArray(F, acc, ao + 3 * NR);
        FloatVector c31 = FloatVector.fromArray(F, acc, ao + 3 * NR + L);
        FloatVector c40 = FloatVector.fromArray(F, acc, ao + 4 * NR);
        FloatVector c41 = FloatVector.fromArray(F, acc, ao + 4 * NR + L);
        FloatVector c50 = FloatVector.fromArray(F, acc, ao + 5 * NR);
        FloatVector c51 = FloatVector.fromArray(F, acc, ao + 5 * NR + L);
        int x0 = xo;
        int x1 = x0 + in;
        int x2 = x1 + in;
        int x3 = x2 + in;
        int x4 = x3 + in;
        int x5 = x4 + in;
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
        }
        c00.intoArray(acc, ao + 0 * NR);
        c01.intoArray(acc, ao + 0 * NR + L);
        c10.intoArray(acc, ao + 1 * NR);
        c11.intoArray(acc, ao + 1 * NR + L);
        c20.intoArray(acc, ao + 2 * NR);
        c21.intoArray(acc, ao + 2 * NR + L);
        c30.intoArray(acc, ao + 3 * NR);
        c31.intoArray(acc, ao + 3 * NR + L);
        c40.intoArray(acc, ao + 4 * NR);
        c41.intoArray(acc, ao + 4 * NR + L);
        c50.intoArray(acc, ao + 5 * NR);
        c51.intoArray(acc, ao + 5 * NR + L);
    }

    private static void micro12(float[] x, int xo, int in, int kb, float[] pack, float[] acc, int ao) {
        FloatVector c00 = FloatVector.fromArray(F, acc, ao + 0 * NR);
        FloatVector c01 = FloatVector.fromArray(F, acc, ao + 0 * NR + L);
        FloatVector c10 = FloatVector.fromArray(F, acc, ao + 1 * NR);
        FloatVector c11 = FloatVector.fromArray(F, acc, ao + 1 * NR + L);
        FloatVector c20 = FloatVector.fromArray(F, acc, ao + 2 * NR);
        FloatVector c21 = FloatVector.fromArray(F, acc, ao + 2 * NR + L);
        FloatVector c30 = FloatVector.fromArray(F, acc, ao + 3 * NR);
        FloatVector c31 = FloatVector.fromArray(F, acc, ao + 3 * NR + L);
        FloatVector c40 = FloatVector.fromArray(F, acc, ao + 4 * NR);
        FloatVector c41 = FloatVector.fromArray(F, acc, ao + 4 * NR + L);
        FloatVector c50 = FloatVector.fromArray(F, acc, ao + 5 * NR);
        FloatVector c51 = FloatVector.fromArray(F, acc, ao + 5 * NR + L);
        FloatVector c60 = FloatVector.fromArray(F, acc, ao + 6 * NR);
        FloatVector c61 = FloatVector.fromArray(F, acc, ao + 6 * NR + L);
        FloatVector c70 = FloatVector.fromArray(F, acc, ao + 7 * NR);
        FloatVector c71 = FloatVector.fromArray(F, acc, ao + 7 * NR + L);
        FloatVector c80 = FloatVector.fromArray(F, acc, ao + 8 * NR);
        FloatVector c81 = FloatVector.fromArray(F, acc, ao + 8 * NR + L);
        FloatVector c90 = FloatVector.fromArray(F, acc, ao + 9 * NR);
        FloatVector c91 = FloatVector.fromArray(F, acc, ao + 9 * NR + L);
        FloatVector ca0 = FloatVector.fromArray(F, acc, ao + 10 * NR);
        FloatVector ca1 = FloatVector.fromArray(F, acc, ao + 10 * NR + L);
        FloatVector cb0 = FloatVector.fromArray(F, acc, ao + 11 * NR);
        FloatVector cb1 = FloatVector.fromArray(F, acc, ao + 11 * NR + L);
        int x0 = xo;
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
        c00.intoArray(acc, ao + 0 * NR);
        c01.intoArray(acc, ao + 0 * NR + L);
        c10.intoArray(acc, ao + 1 * NR);
        c11.intoArray(acc, ao + 1 * NR + L);
        c20.intoArray(acc, ao + 2 * NR);
        c21.intoArray(acc, ao + 2 * NR + L);
        c30.intoArray(acc, ao + 3 * NR);
        c31.intoArray(acc, ao + 3 * NR + L);
        c40.intoArray(acc, ao + 4 * NR);
        c41.intoArray(acc, ao + 4 * NR + L);
        c50.intoArray(acc, ao + 5 * NR);
        c51.intoArray(acc, ao + 5 * NR + L);
        c60.intoArray(acc, ao + 6 * NR);
        c61.intoArray(acc, ao + 6 * NR + L);
        c70.intoArray(acc, ao + 7 * NR);
        c71.intoArray(acc, ao + 7 * NR + L);
        c80.intoArray(acc, ao + 8 * NR);
        c81.intoArray(acc, ao + 8 * NR + L);
        c90.intoArray(acc, ao + 9 * NR);
        c91.intoArray(acc, ao + 9 * NR + L);
        ca0.intoArray(acc, ao + 10 * NR);
        ca1.intoArray(acc, ao + 10 * NR + L);
        cb0.intoArray(acc, ao + 11 * NR);
        cb1.intoArray(acc, ao + 11 * NR + L);
    }

    /** out rows [r0, r0+mr) of the panel = acc + bias, by vectors where the panel is whole. */
    private static void store(float[] acc, int mr, int nc, int r0, int o0, int outDim, MemorySegment out,
                              float[] biasPanel) {
        for (int r = 0; r < mr; r++) {
            int i0 = (r0 + r) * NR;
            long base = (long) (r0 + r) * outDim + o0;
            if (nc == NR) {
                for (int v = 0; v < NR; v += L) {
                    FloatVector y = FloatVector.fromArray(F, acc, i0 + v).add(FloatVector.fromArray(F, biasPanel, v));
                    y.intoMemorySegment(out, (base + v) * 4, Vec.NATIVE);
                }
                continue;
            }
            for (int c = 0; c < nc; c++) {
                out.setAtIndex(JAVA_FLOAT, base + c, acc[i0 + c] + biasPanel[c]);
            }
        }
    }
}
