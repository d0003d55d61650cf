package io.paligemma4j.backends.cpu;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.*;

import io.paligemma4j.kernels.AttentionShape;
import io.paligemma4j.kernels.Kernels;
import io.paligemma4j.kernels.KernelTestData;
import io.paligemma4j.kernels.ref.ReferenceKernels;
import io.paligemma4j.loader.DType;
import io.paligemma4j.loader.Tensor;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every Vector API kernel against the scalar reference, on random inputs at awkward sizes (1, 7,
 * 33, 1000, sizes that are not multiples of the vector length, inputs wider than the GEMM's
 * k-chunk), for each weight dtype. Weight dtypes do not change tolerances: both sides decode
 * BF16/F16 exactly, so only float32 arithmetic order differs.
 *
 * <p>Tolerances: a dot product of n terms summed in float32 in any order is within
 * γ_n·Σ|x_i·w_i| of the exact value (γ_n = n·u/(1−n·u), u = 2^−24), so two orders differ by at
 * most 2·γ_n·Σ|x_i·w_i|; matmul is checked against exactly that bound. Pointwise ops that call
 * tanh/exp through the Vector API (SVML, a few ulp) get 1e-6 relative. Data movement (RoPE, add,
 * embedding lookup) must be bit-exact.
 */
class KernelParityTest extends KernelTestData {
    final Kernels ref = new ReferenceKernels();
    final Kernels vec = new VectorKernels(new Parallel(2));

    KernelParityTest() {
        super(42);
    }

    /** The width the build asked for is the one the kernels run at, so no width's run is vacuous. */
    @Test
    void runsAtTheRequestedWidth() {
        String asked = System.getProperty(VectorWidth.PROPERTY);
        assertNull(VectorWidth.problem());
        if (asked != null) {
            assertEquals(Integer.parseInt(asked), VectorWidth.bits());
        }
        System.out.println("KernelParityTest at " + VectorWidth.describe());
    }

    /**
     * Every 16-bit pattern as a weight, one per row among zeros, against x of ones: each output is
     * that weight's value exactly (only −0 turns +0), Inf and NaN included, through the GEMV's
     * widening in the vector body (BF16 pairs; F16 pairs widened by block).
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BF16", "F16"})
    void gemvWidensEveryBitPatternExactly(DType dt) {
        int rows = 65536;
        int in = 64;
        MemorySegment w = arena.allocate((long) rows * in * 2, 64);
        for (int r = 0; r < rows; r++) {
            w.set(Tensor.I16_LE, ((long) r * in + r % in) * 2, (short) r);
        }
        Tensor t = new Tensor("w", dt, new long[] {rows, in}, w, "every pattern");
        float[] ones = new float[in];
        java.util.Arrays.fill(ones, 1f);
        MemorySegment out = zeros(rows);
        vec.matmul(seg(ones), 1, in, t, null, out);
        for (int r = 0; r < rows; r++) {
            float want = dt == DType.F16 ? Float.float16ToFloat((short) r) : Float.intBitsToFloat(r << 16);
            float got = out.getAtIndex(JAVA_FLOAT, r);
            assertTrue(Float.isNaN(want) ? Float.isNaN(got) : got == want,
                    dt + " pattern 0x" + Integer.toHexString(r) + ": " + got + ", want " + want);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void matmulAndFusedGegluWithinTheSummationBound(DType dt) {
        int[][] shapes = {{1, 1, 1}, {1, 7, 33}, {1, 1000, 7}, {1, 64, 900}, {2, 33, 7}, {5, 1000, 33}, {7, 2100, 5},
                {33, 7, 1}, {9, 1031, 10},
                // GEMV: threads' ranges of several GeGLU blocks per quarter, rows left over, a tail of k.
                {1, 130, 3001},
                // Several row blocks and groups of panels in the GEMM, a partial last tile and panel.
                {250, 1031, 530}};
        for (int[] sh : shapes) {
            int rows = sh[0], in = sh[1], out = sh[2];
            float[] xv = random(rows * in, 1f);
            float[] wv = random(out * in, 0.5f);
            Tensor w = tensor(dt, wv, out, in);
            Tensor up = tensor(dt, random(out * in, 0.5f), out, in);
            Tensor b = tensor(dt, random(out, 1f), out);
            MemorySegment x = seg(xv);
            MemorySegment r = zeros((long) rows * out);
            MemorySegment v = zeros((long) rows * out);
            ref.matmul(x, rows, in, w, b, r);
            vec.matmul(x, rows, in, w, b, v);
            for (int i = 0; i < rows; i++) {
                for (int o = 0; o < out; o++) {
                    double mag = Math.abs(b.getFloat(o));
                    for (int k = 0; k < in; k++) {
                        mag += Math.abs(xv[i * in + k] * w.getFloat((long) o * in + k));
                    }
                    double tol = 2 * gamma(in + 1) * mag;
                    float d = Math.abs(r.getAtIndex(JAVA_FLOAT, (long) i * out + o) - v.getAtIndex(JAVA_FLOAT, (long) i * out + o));
                    assertTrue(d <= tol, dt + " " + rows + "x" + in + "x" + out + " at " + i + "," + o + ": " + d + " > " + tol);
                }
            }
            // GeGLU of the gate/up products: gelu is 1-Lipschitz-ish (|gelu'| < 1.13), so the bound
            // carries through scaled by the other factor; checked relative to the outputs' scale.
            float[] two = arr(v, (long) rows * out);
            ref.gateUpGeglu(x, rows, in, w, up, r);
            vec.gateUpGeglu(x, rows, in, w, up, v);
            assertClose(arr(r, (long) rows * out), arr(v, (long) rows * out), 1e-5, dt + " geglu " + rows + "x" + in);
            // The split across threads never changes a result's bits.
            MemorySegment t = zeros((long) rows * out);
            Kernels three = new VectorKernels(new Parallel(3));
            three.matmul(x, rows, in, w, b, t);
            assertArrayEquals(two, arr(t, (long) rows * out), dt + " " + rows + "x" + in + "x" + out + " on 3 threads");
            three.gateUpGeglu(x, rows, in, w, up, t);
            assertArrayEquals(arr(v, (long) rows * out), arr(t, (long) rows * out), dt + " geglu " + rows + "x" + in + " on 3 threads");
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void normsAgree(DType dt) {
        for (int dim : new int[] {1, 7, 33, 1000, 1152}) {
            for (int rows : new int[] {1, 3}) {
                float[] xv = random(rows * dim, 3f);
                Tensor g = tensor(dt, random(dim, 1f), dim);
                Tensor b = tensor(dt, random(dim, 1f), dim);
                MemorySegment x = seg(xv);
                MemorySegment r = zeros((long) rows * dim);
                MemorySegment v = zeros((long) rows * dim);
                // Mean and variance are float32 sums of dim terms: relative error ≲ γ_dim.
                double tol = 4 * gamma(dim) + 1e-6;
                ref.layerNorm(x, rows, dim, g, b, 1e-6f, r);
                vec.layerNorm(x, rows, dim, g, b, 1e-6f, v);
                assertClose(arr(r, (long) rows * dim), arr(v, (long) rows * dim), tol, "layerNorm " + dim);
                ref.rmsNorm(x, rows, dim, g, 1e-6f, r);
                vec.rmsNorm(x, rows, dim, g, 1e-6f, v);
                assertClose(arr(r, (long) rows * dim), arr(v, (long) rows * dim), tol, "rmsNorm " + dim);
            }
        }
    }

    @Test
    void pointwiseOps() {
        for (int n : new int[] {1, 7, 33, 1000, 4097, 10000}) {
            float[] xv = random(n, 4f);
            float[] uv = random(n, 1f);
            MemorySegment a = seg(xv);
            MemorySegment b = seg(xv);
            ref.geluTanh(a, n);
            vec.geluTanh(b, n);
            assertClose(arr(a, n), arr(b, n), 1e-6, "gelu " + n);
            a = seg(xv);
            b = seg(xv);
            ref.softcap(a, n, 2f);
            vec.softcap(b, n, 2f);
            assertClose(arr(a, n), arr(b, n), 1e-6, "softcap " + n);
            a = seg(xv);
            b = seg(xv);
            ref.add(a, seg(uv), n);
            vec.add(b, seg(uv), n);
            assertArrayEquals(arr(a, n), arr(b, n), "add " + n);
        }
    }

    @Test
    void ropeIsBitExact() {
        for (int hd : new int[] {2, 16, 72, 256, 18}) {
            for (int heads : new int[] {1, 3}) {
                int rows = 5;
                float[] xv = random(rows * heads * hd, 1f);
                MemorySegment a = seg(xv);
                MemorySegment b = seg(xv);
                ref.rope(a, rows, heads, hd, 4090, 10000.0);
                vec.rope(b, rows, heads, hd, 4090, 10000.0);
                assertArrayEquals(arr(a, xv.length), arr(b, xv.length), "rope hd=" + hd);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void embeddingsAgree(DType dt) {
        Tensor table = tensor(dt, random(37 * 33, 1f), 37, 33);
        int[] ids = {0, 36, 5, 5};
        MemorySegment r = zeros(4 * 33);
        MemorySegment v = zeros(4 * 33);
        ref.embed(table, ids, 8.9375f, r);
        vec.embed(table, ids, 8.9375f, v);
        assertArrayEquals(arr(r, 4 * 33), arr(v, 4 * 33));
        // Patch embedding: a 3×28×28 image, patch 14, 7 output channels (K = 588 terms per dot).
        int s = 28, p = 14, d = 7, n = 4;
        float[] px = random(3 * s * s, 1f);
        Tensor w = tensor(dt, random(d * 3 * p * p, 0.1f), d, 3, p, p);
        Tensor bias = tensor(dt, random(d, 1f), d);
        Tensor pos = tensor(dt, random(n * d, 1f), n, d);
        ref.patchEmbed(seg(px), s, p, w, bias, pos, r);
        vec.patchEmbed(seg(px), s, p, w, bias, pos, v);
        assertClose(arr(r, n * d), arr(v, n * d), 2 * gamma(600) * 60, "patchEmbed");
    }

    @Test
    void attentionAgreesAcrossMasksWindowsCapsAndGroups() {
        record Case(int heads, int kvHeads, int hd, float cap, int window, int nq, int qStart, int prefix, int nKv) {}
        Case[] cases = {
            new Case(4, 4, 72, 0, 0, 37, 0, 37, 37),        // SigLIP: full, bidirectional
            new Case(4, 1, 16, 0, 0, 23, 0, 23, 23),        // Gemma prefill, MQA
            new Case(8, 2, 33, 5f, 24, 1, 40, 23, 41),      // Gemma 2 decode past the window
            new Case(2, 2, 7, 50f, 24, 30, 0, 23, 30),      // prefix + causal rows in one pass
            new Case(3, 1, 256, 0, 0, 1, 150, 100, 151),    // long decode, several key tiles
            new Case(2, 1, 16, 0, 8, 70, 0, 70, 70),        // window shorter than the prefix
            new Case(2, 1, 40, 0, 0, 3, 297, 290, 300),     // decode over three 512-bit key tiles
            new Case(4, 2, 24, 30f, 0, 40, 0, 300, 300),    // prefix of 300 keys, soft-capped
            new Case(8, 1, 64, 0, 0, 300, 0, 280, 300),     // MQA prefill in several query blocks, causal tail
        };
        for (Case c : cases) {
            float scale = (float) (1 / Math.sqrt(c.hd()));
            AttentionShape sh = new AttentionShape(c.heads(), c.kvHeads(), c.hd(), scale, c.cap(), c.window());
            float[] q = random(c.nq() * sh.qStride(), 2f);
            MemorySegment k = seg(random(c.nKv() * sh.kvStride(), 2f));
            MemorySegment v = seg(random(c.nKv() * sh.kvStride(), 1f));
            MemorySegment r = zeros((long) c.nq() * sh.qStride());
            MemorySegment o = zeros((long) c.nq() * sh.qStride());
            ref.attention(sh, seg(q), c.nq(), c.qStart(), c.prefix(), k, v, c.nKv(), r);
            vec.attention(sh, seg(q), c.nq(), c.qStart(), c.prefix(), k, v, c.nKv(), o);
            // Outputs are convex combinations of v (|v| ≲ 5): float32 softmax and sums, 1e-5 relative.
            assertClose(arr(r, (long) c.nq() * sh.qStride()), arr(o, (long) c.nq() * sh.qStride()), 1e-5, c.toString());
            // How the work is split follows the thread count; what each query row computes does not.
            for (int threads : new int[] {1, 5}) {
                MemorySegment t = zeros((long) c.nq() * sh.qStride());
                new VectorKernels(new Parallel(threads)).attention(sh, seg(q), c.nq(), c.qStart(), c.prefix(), k, v, c.nKv(), t);
                assertArrayEquals(arr(o, (long) c.nq() * sh.qStride()), arr(t, (long) c.nq() * sh.qStride()),
                        c + " on " + threads + " threads");
            }
        }
    }

    @Test
    void visibleRangeMatchesTheMaskRule() {
        for (int window : new int[] {0, 1, 5, 24}) {
            AttentionShape s = new AttentionShape(1, 1, 2, 1f, 0f, window);
            for (int prefix = 1; prefix < 12; prefix++) {
                for (int q = 0; q < 40; q++) {
                    int nKv = Math.max(q + 1, prefix);
                    for (int k = 0; k < nKv; k++) {
                        boolean inRange = k >= s.firstVisible(q, prefix) && k < s.endVisible(q, prefix, nKv);
                        assertEquals(s.visible(q, k, prefix), inRange, "w=" + window + " p=" + prefix + " q=" + q + " k=" + k);
                    }
                }
            }
        }
    }
}
