package io.paligemma4j.backends.opencl;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.paligemma4j.kernels.AttentionShape;
import io.paligemma4j.kernels.KernelTestData;
import io.paligemma4j.kernels.ref.ReferenceKernels;
import io.paligemma4j.loader.DType;
import io.paligemma4j.loader.Tensor;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.forward.BufferSpec;
import io.paligemma4j.runtime.forward.LayerOps;
import io.paligemma4j.runtime.forward.Pass;
import io.paligemma4j.runtime.forward.Stage;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every OpenCL kernel against the scalar reference on the OpenCL device (PoCL in CI), through the
 * executor's ops, at awkward sizes (1, 7, 33, 1000, 1031, not multiples of the tile, work-group or
 * 8-wide load), for F32, BF16 and F16 weights. Weight dtypes do not change tolerances: both sides
 * decode exactly, only float32 arithmetic order differs.
 *
 * <p>Tolerances. Matmul: a float32 dot product of n terms in any order is within γ_n·Σ|x·w| of
 * exact, so two orders differ by at most 2γ_{n+1}·Σ|x·w| (the GEMM sums in index order without
 * contraction and is usually exact; the GEMV uses 8-wide partial sums and a tree). Norms: the
 * statistics are float32 sums, 4γ_n of the output scale (+1e-6 for the square root). tanh/exp
 * ops: the kernels build without fast-math, where OpenCL bounds exp at 3 ulp and tanh at 5 ulp:
 * 1e-6 of the output scale; GeGLU of two dot products 1e-5. Attention: float32 softmax and sums,
 * 1e-5 of the output scale. RoPE, add, lookup: bit-exact (the same float operations, no contraction).
 */
class OpenClParityTest extends KernelTestData {
    private final ReferenceKernels ref = new ReferenceKernels();
    private PaliGemmaModel owner;
    private OpenClExecutor ex;

    OpenClParityTest() {
        super(11);
    }

    @BeforeEach
    void open() {
        String why = new OpenClBackend().unavailableReason();
        if ("1".equals(System.getenv("PALIGEMMA_REQUIRE_OPENCL"))) {
            assertTrue(why == null, "PALIGEMMA_REQUIRE_OPENCL=1 but the opencl backend is unavailable: " + why);
        }
        assumeTrue(why == null, "opencl backend unavailable: " + why);
        // The bundled tiny checkpoint only owns the weight cache and sizes the attention scratch.
        owner = PaliGemmaModel.load(Path.of(System.getProperty("paligemma.home", "../.."), "models/tiny-v1-f32"));
        ex = new OpenClExecutor(ClContext.of(ClDevice.preferred(ClDevice.all())), owner, 4096, false);
        ex.checkMemory(List.of());
    }

    @AfterEach
    void close() {
        if (ex != null) {
            ex.close();
            owner.close();
        }
    }

    private ClBuffer buf(String name, int rows, int width, float[] data) {
        ClBuffer b = ex.allocate(new BufferSpec(name, rows, width, false, BufferSpec.Io.DEVICE));
        if (data != null) {
            ex.write(b, data);
        }
        return b;
    }

    private ClBuffer kv(int rows, int width, float[] data) {
        ClBuffer b = ex.allocate(new BufferSpec("kv", rows, width, true, BufferSpec.Io.DEVICE));
        if (data != null) {
            ex.write(b, data);
        }
        return b;
    }

    private void run(Pass pass, Consumer<LayerOps<ClBuffer>> body) {
        ex.run(List.of(new Stage<>("test", Stage.Phase.TEXT, body)), pass);
    }

    private static Pass rows(int rows) {
        return new Pass(rows, 0, rows, 0, new int[0], 0);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void matmulAndFusedGegluWithinTheSummationBound(DType dt) {
        int[][] shapes = {{1, 1, 1}, {1, 7, 33}, {1, 1000, 7}, {1, 1031, 9}, {2, 33, 7}, {5, 1000, 33}, {7, 2100, 5},
                {33, 7, 1}, {9, 1031, 10}, {40, 72, 70}};
        for (int[] sh : shapes) {
            int rows = sh[0], in = sh[1], out = sh[2];
            float[] xv = random(rows * in, 1f);
            float[] wv = random(out * in, 0.5f);
            Tensor w = tensor(dt, wv, out, in);
            Tensor up = tensor(dt, random(out * in, 0.5f), out, in);
            Tensor b = tensor(dt, random(out, 1f), out);
            MemorySegment r = zeros((long) rows * out);
            ref.matmul(seg(xv), rows, in, w, b, r);
            ClBuffer x = buf("x", rows, in, xv);
            ClBuffer o = buf("o", rows, out, null);
            run(rows(rows), ops -> ops.linear(x, w, b, o));
            float[] got = ex.read(o, rows * out);
            for (int i = 0; i < rows; i++) {
                for (int c = 0; c < out; c++) {
                    double mag = Math.abs(b.getFloat(c));
                    for (int k = 0; k < in; k++) {
                        mag += Math.abs(xv[i * in + k] * w.getFloat((long) c * in + k));
                    }
                    double tol = 2 * gamma(in + 1) * mag;
                    float d = Math.abs(r.getAtIndex(JAVA_FLOAT, (long) i * out + c) - got[i * out + c]);
                    assertTrue(d <= tol, dt + " " + rows + "x" + in + "x" + out + " at " + i + "," + c + ": " + d + " > " + tol);
                }
            }
            ref.gateUpGeglu(seg(xv), rows, in, w, up, r);
            run(rows(rows), ops -> ops.gateUpGeglu(x, w, up, o));
            assertClose(arr(r, (long) rows * out), ex.read(o, rows * out), 1e-5, dt + " geglu " + rows + "x" + in);
        }
    }

    @Test
    void matmulWritesTheKvCacheAtThePassPosition() {
        int in = 33, out = 10, start = 5;
        float[] xv = random(in, 1f);
        Tensor w = tensor(DType.BF16, random(out * in, 0.5f), out, in);
        MemorySegment r = zeros(out);
        ref.matmul(seg(xv), 1, in, w, null, r);
        ClBuffer x = buf("x", 1, in, xv);
        ClBuffer cache = kv(8, out, new float[8 * out]);
        run(new Pass(1, start, 0, 0, new int[] {0}, 0), ops -> ops.linear(x, w, null, cache));
        float[] got = ex.read(cache, 8 * out);
        for (int c = 0; c < out; c++) {
            assertTrue(Math.abs(got[start * out + c] - r.getAtIndex(JAVA_FLOAT, c)) <= 1e-5, "row " + start);
            assertTrue(got[c] == 0f && got[(start - 1) * out + c] == 0f, "other rows untouched");
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
                MemorySegment r = zeros((long) rows * dim);
                double tol = 4 * gamma(dim) + 1e-6;
                ClBuffer x = buf("x", rows, dim, xv);
                ClBuffer o = buf("o", rows, dim, null);
                ref.layerNorm(seg(xv), rows, dim, g, b, 1e-6f, r);
                run(rows(rows), ops -> ops.layerNorm(x, g, b, 1e-6f, o));
                assertClose(arr(r, (long) rows * dim), ex.read(o, rows * dim), tol, "layerNorm " + dim);
                ref.rmsNorm(seg(xv), rows, dim, g, 1e-6f, r);
                run(rows(rows), ops -> ops.rmsNorm(x, g, 1e-6f, o));
                assertClose(arr(r, (long) rows * dim), ex.read(o, rows * dim), tol, "rmsNorm " + dim);
                // The head's norm of one selected row.
                int row = rows - 1;
                ClBuffer one = buf("one", 1, dim, null);
                ref.rmsNorm(seg(xv).asSlice((long) row * dim * 4), 1, dim, g, 1e-6f, r);
                ex.run(List.of(new Stage<>("head", Stage.Phase.LOGITS, ops -> ops.rmsNormRow(x, g, 1e-6f, one))),
                        Pass.logits(row));
                assertClose(arr(r, dim), ex.read(one, dim), tol, "rmsNormRow " + dim);
            }
        }
    }

    @Test
    void pointwiseOps() {
        for (int n : new int[] {1, 7, 33, 1000, 4097, 10000}) {
            float[] xv = random(n, 4f);
            float[] uv = random(n, 1f);
            MemorySegment a = seg(xv);
            ref.geluTanh(a, n);
            ClBuffer x = buf("x", 1, n, xv);
            run(rows(1), ops -> ops.geluTanh(x));
            assertClose(arr(a, n), ex.read(x, n), 1e-6, "gelu " + n);
            a = seg(xv);
            ref.softcap(a, n, 2f);
            ex.write(x, xv);
            run(rows(1), ops -> ops.softcap(x, 2f));
            assertClose(arr(a, n), ex.read(x, n), 1e-6, "softcap " + n);
            a = seg(xv);
            ref.add(a, seg(uv), n);
            ex.write(x, xv);
            ClBuffer u = buf("u", 1, n, uv);
            run(rows(1), ops -> ops.add(x, u));
            assertArrayEquals(arr(a, n), ex.read(x, n), "add " + n);
        }
    }

    /** The greedy pick on the device equals the host's: the lowest index among equal maxima, NaN never. */
    @Test
    void argmaxIsTheHostsGreedyPick() {
        for (int n : new int[] {1, 7, 129, 1000, 4097, 257152}) {
            float[] v = random(n, 1f);
            if (n > 700) {
                v[700] = 9f;
                v[300] = 9f;
                v[5] = Float.NaN;
            }
            ClBuffer x = buf("logits", 1, n, v);
            for (int limit : new int[] {n, Math.max(1, n / 2)}) {
                int want = io.paligemma4j.runtime.Sampling.greedy(v, limit);
                assertTrue(want == ex.argmax(x, limit), "argmax over " + limit + " of " + n);
            }
        }
        float[] minusInf = {Float.NaN, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY};
        assertTrue(ex.argmax(buf("inf", 1, 3, minusInf), 3) == io.paligemma4j.runtime.Sampling.greedy(minusInf, 0));
    }

    @Test
    void ropeIsExactAtEveryPositionAndRowBase() {
        for (int hd : new int[] {2, 16, 72, 256}) {
            int heads = 3, rows = 5, pos0 = 37;
            float[] xv = random(rows * heads * hd, 2f);
            MemorySegment r = seg(xv);
            ref.rope(r, rows, heads, hd, pos0, 10000.0);
            ClBuffer x = buf("q", rows, heads * hd, xv);
            run(new Pass(rows, pos0, 0, 0, new int[rows], 0), ops -> ops.rope(x, heads, hd, 10000.0));
            assertArrayEquals(arr(r, xv.length), ex.read(x, xv.length), "rope hd=" + hd);
            // Keys in the KV cache: the same rows at their positions.
            float[] big = new float[(pos0 + rows) * heads * hd];
            System.arraycopy(xv, 0, big, pos0 * heads * hd, xv.length);
            ClBuffer k = kv(pos0 + rows, heads * hd, big);
            run(new Pass(rows, pos0, 0, 0, new int[rows], 0), ops -> ops.rope(k, heads, hd, 10000.0));
            float[] got = ex.read(k, big.length);
            float[] rows5 = java.util.Arrays.copyOfRange(got, pos0 * heads * hd, big.length);
            assertArrayEquals(arr(r, xv.length), rows5, "rope in the cache hd=" + hd);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void embeddingsAgree(DType dt) {
        Tensor table = tensor(dt, random(37 * 33, 1f), 37, 33);
        int[] ids = {0, 36, 5, 5};
        MemorySegment r = zeros(6 * 33);
        ref.embed(table, ids, 8.9375f, r.asSlice(2 * 33 * 4));
        ClBuffer x = buf("x", 6, 33, new float[6 * 33]);
        run(new Pass(6, 0, 6, 2, ids, 0), ops -> ops.embed(table, 8.9375f, x));
        assertArrayEquals(arr(r, 6 * 33), ex.read(x, 6 * 33), "lookup after two image rows");
        // Patch embedding: a 3×28×28 image, patch 14, 7 output channels (K = 588 terms per dot).
        int s = 28, p = 14, d = 7, n = 4;
        float[] px = random(3 * s * s, 1f);
        Tensor w = tensor(dt, random(d * 3 * p * p, 0.1f), d, 3, p, p);
        Tensor bias = tensor(dt, random(d, 1f), d);
        Tensor pos = tensor(dt, random(n * d, 1f), n, d);
        MemorySegment rp = zeros(n * d);
        ref.patchEmbed(seg(px), s, p, w, bias, pos, rp);
        ClBuffer pixels = buf("pixels", 1, 3 * s * s, px);
        ClBuffer o = buf("patches", n, d, null);
        run(rows(n), ops -> ops.patchEmbed(pixels, s, p, w, bias, pos, o));
        assertClose(arr(rp, n * d), ex.read(o, n * d), 2 * gamma(600) * 60, "patchEmbed");
    }

    @Test
    void attentionAgreesAcrossMasksWindowsCapsGroupsAndChunks() {
        // (heads, kv heads, head size, soft-cap, window, rows, start, prefix): keys are [0, start + rows).
        record Case(int heads, int kvHeads, int hd, float cap, int window, int nq, int qStart, int prefix) {}
        Case[] cases = {
            new Case(4, 4, 72, 0, 0, 37, 0, 37),        // SigLIP: full, bidirectional
            new Case(4, 1, 16, 0, 0, 23, 0, 23),        // Gemma prefill, MQA
            new Case(8, 2, 33, 5f, 24, 1, 40, 23),      // Gemma 2 decode past the window
            new Case(2, 2, 7, 50f, 24, 30, 0, 23),      // prefix + causal rows in one pass
            new Case(3, 1, 256, 0, 0, 1, 150, 100),     // long decode: several key chunks
            new Case(2, 1, 16, 0, 8, 70, 0, 70),        // window shorter than the prefix
            new Case(8, 1, 256, 0, 0, 1, 1030, 300),    // decode over 1031 keys, split into chunks
            new Case(4, 2, 24, 30f, 0, 40, 260, 300),   // a prefix reaching past the first rows
        };
        for (Case c : cases) {
            int nKv = c.qStart() + c.nq();
            float scale = (float) (1 / Math.sqrt(c.hd()));
            AttentionShape sh = new AttentionShape(c.heads(), c.kvHeads(), c.hd(), scale, c.cap(), c.window());
            float[] q = random(c.nq() * sh.qStride(), 2f);
            float[] k = random(nKv * sh.kvStride(), 2f);
            float[] v = random(nKv * sh.kvStride(), 1f);
            MemorySegment r = zeros((long) c.nq() * sh.qStride());
            ref.attention(sh, seg(q), c.nq(), c.qStart(), c.prefix(), seg(k), seg(v), nKv, r);
            ClBuffer qb = buf("q", c.nq(), sh.qStride(), q);
            ClBuffer kb = kv(nKv, sh.kvStride(), k);
            ClBuffer vb = kv(nKv, sh.kvStride(), v);
            ClBuffer o = buf("o", c.nq(), sh.qStride(), null);
            run(new Pass(c.nq(), c.qStart(), c.prefix(), 0, new int[0], 0), ops -> ops.attention(sh, qb, kb, vb, o));
            assertClose(arr(r, (long) c.nq() * sh.qStride()), ex.read(o, c.nq() * sh.qStride()), 1e-5, c.toString());
        }
    }
}
