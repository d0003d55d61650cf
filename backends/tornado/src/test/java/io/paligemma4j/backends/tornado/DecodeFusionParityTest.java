package io.paligemma4j.backends.tornado;

import static io.paligemma4j.backends.tornado.DeviceRun.TASK;
import static io.paligemma4j.backends.tornado.DeviceRun.in;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma4j.kernels.ref.ReferenceKernels;
import io.paligemma4j.loader.DType;
import io.paligemma4j.loader.Tensor;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The decode step's fused kernels against the reference ops they replace, run one after the
 * other: RMSNorm then a matmul (plain, with a residual add, with a soft-cap), RMSNorm + q/k/v +
 * RoPE, and Gemma 2's RMSNorm + residual add. Bounds, element by element: the normalised inputs
 * carry the norm test's relative bound ε_n = 4·γ_dim + 1e-6, which a dot product passes on times
 * Σ|h·w|, on top of the summation bound 2·γ_(n+1)·Σ|h·w| of two summation orders; an add, a
 * rotation or tanh (OpenCL: ≤ 5 ulp, strict maths) adds a few ulps of the result.
 */
class DecodeFusionParityTest extends ParityBase {
    final ReferenceKernels ref = new ReferenceKernels();
    static final float EPS = 1e-6f;

    /** h = RMSNorm(x) by the reference, and the per-term magnitudes of h·W's columns. */
    private float[] normed(float[] xv, Tensor norm) {
        MemorySegment h = zeros(xv.length);
        ref.rmsNorm(seg(xv), 1, xv.length, norm, EPS, h);
        return arr(h, xv.length);
    }

    private static double magnitude(float[] h, Tensor w, int col) {
        double m = 0;
        for (int k = 0; k < h.length; k++) {
            m += Math.abs(h[k] * w.getFloat((long) col * h.length + k));
        }
        return m;
    }

    private static double dotBound(int in) {
        return 2 * gamma(in + 1) + 4 * gamma(in) + 1e-6;
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void normedGemvWithEachEpilogue(DType dt) {
        int in = 1031;
        int cols = 37;
        float[] xv = random(in, 2f);
        Tensor norm = tensor(DType.F32, random(in, 0.5f), in);
        Tensor w = tensor(dt, random(cols * in, 0.5f), cols, in);
        float[] h = normed(xv, norm);
        MemorySegment y = zeros(cols);
        ref.matmul(seg(h), 1, in, w, null, y);
        float[] acc0 = random(cols, 3f);
        float cap = 4f;
        Weights16.Matrix m = Weights16.upload(w);
        FloatArray pow2 = Weights16.powersOfTwo();
        FloatArray x = FloatArray.fromArray(xv);
        FloatArray nw = FloatArray.fromArray(arr(norm.data(), in));
        IntArray step = step(1, 0, 1);
        for (int epilogue : new int[] {TornadoGemv.STORE, TornadoGemv.ADD, TornadoGemv.CAP}) {
            FloatArray out = FloatArray.fromArray(acc0);
            DeviceRun.run(t -> t.task(TASK, TornadoGemv::gemv, ctx(), x, nw, m.bits(), pow2, nw, out, step, in, cols,
                    m.format(), 0, 0, 0, 1, EPS, epilogue, cap), (gr, name) -> gr.gemv(name, TASK, cols),
                    in(x, nw, m.bits(), pow2, step, out), out);
            for (int c = 0; c < cols; c++) {
                float v = y.getAtIndex(F32, c);
                double tol = dotBound(in) * magnitude(h, w, c);
                float want = switch (epilogue) {
                    case TornadoGemv.ADD -> acc0[c] + v;
                    case TornadoGemv.CAP -> (float) (cap * Math.tanh(v / cap));
                    default -> v;
                };
                tol += 8 * Math.ulp(Math.max(Math.abs(want), Math.abs(acc0[c])));
                float got = out.get(c);
                assertTrue(Math.abs(want - got) <= tol, dt + " epilogue " + epilogue + " col " + c + ": " + got + " vs "
                        + want + " (tol " + tol + ")");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void normedGateUpMatchesNormThenGeglu(DType dt) {
        int in = 1000;
        int cols = 33;
        float[] xv = random(in, 2f);
        Tensor norm = tensor(DType.F32, random(in, 0.5f), in);
        Tensor wg = tensor(dt, random(cols * in, 0.5f), cols, in);
        Tensor wu = tensor(dt, random(cols * in, 0.5f), cols, in);
        float[] h = normed(xv, norm);
        MemorySegment r = zeros(cols);
        ref.gateUpGeglu(seg(h), 1, in, wg, wu, r);
        Weights16.Matrix g = Weights16.upload(wg);
        Weights16.Matrix u = Weights16.upload(wu);
        FloatArray pow2 = Weights16.powersOfTwo();
        FloatArray x = FloatArray.fromArray(xv);
        FloatArray nw = FloatArray.fromArray(arr(norm.data(), in));
        FloatArray out = new FloatArray(cols);
        IntArray step = step(1, 0, 1);
        DeviceRun.run(t -> t.task(TASK, TornadoGemv::gateUp, ctx(), x, nw, g.bits(), u.bits(), pow2, out, step, in, cols,
                g.format(), 1, EPS), (gr, name) -> gr.gemv(name, TASK, cols), in(x, nw, g.bits(), u.bits(), pow2, step),
                out);
        // As the unfused gate/up test: each sum carries its bound, gelu' < 1.13 passes it on.
        assertClose(arr(r, cols), out.toHeapArray(), 1e-5, dt + " normed gate/up");
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void qkvRopeMatchesNormProjectionsAndRope(DType dt) {
        int in = 200;
        int heads = 4;
        int kvHeads = 2;
        int hd = 16;
        int pos = 9;
        int capacity = 12;
        double theta = 10000;
        int qDim = heads * hd;
        int kvDim = kvHeads * hd;
        float[] xv = random(in, 2f);
        Tensor norm = tensor(DType.F32, random(in, 0.5f), in);
        Tensor wq = tensor(dt, random(qDim * in, 0.5f), qDim, in);
        Tensor wk = tensor(dt, random(kvDim * in, 0.5f), kvDim, in);
        Tensor wv = tensor(dt, random(kvDim * in, 0.5f), kvDim, in);
        float[] h = normed(xv, norm);
        MemorySegment rq = zeros(qDim);
        MemorySegment rk = zeros(kvDim);
        MemorySegment rv = zeros(kvDim);
        ref.matmul(seg(h), 1, in, wq, null, rq);
        ref.matmul(seg(h), 1, in, wk, null, rk);
        ref.matmul(seg(h), 1, in, wv, null, rv);
        ref.rope(rq, 1, heads, hd, pos, theta);
        ref.rope(rk, 1, kvHeads, hd, pos, theta);
        float[][] table = RopeTable.build(capacity, hd, theta);
        Weights16.Matrix mq = Weights16.upload(wq);
        Weights16.Matrix mk = Weights16.upload(wk);
        Weights16.Matrix mv = Weights16.upload(wv);
        FloatArray pow2 = Weights16.powersOfTwo();
        FloatArray x = FloatArray.fromArray(xv);
        FloatArray nw = FloatArray.fromArray(arr(norm.data(), in));
        FloatArray cos = FloatArray.fromArray(table[0]);
        FloatArray sin = FloatArray.fromArray(table[1]);
        FloatArray q = new FloatArray(qDim);
        FloatArray kc = new FloatArray(capacity * kvDim);
        FloatArray vc = new FloatArray(capacity * kvDim);
        IntArray step = step(1, pos, 1);
        DeviceRun.run(t -> t.task(TASK, TornadoGemv::qkvRope, ctx(), x, nw, mq.bits(), mk.bits(), mv.bits(), pow2, q, kc,
                vc, cos, sin, step, in, heads, kvHeads, hd, mq.format(), EPS),
                (gr, name) -> gr.perRow(name, TASK, (heads + 2 * kvHeads) * hd / 4),
                in(x, nw, mq.bits(), mk.bits(), mv.bits(), pow2, cos, sin, step, kc, vc), q, kc, vc);
        check(h, wq, rq, q, 0, heads, hd, true, dt + " q");
        check(h, wk, rk, kc, pos * kvDim, kvHeads, hd, true, dt + " k");
        check(h, wv, rv, vc, pos * kvDim, kvHeads, hd, false, dt + " v");
    }

    /** A rotated pair's error: both columns' dot bounds (|cos|, |sin| ≤ 1) plus the rotation's rounding. */
    private void check(float[] h, Tensor w, MemorySegment want, FloatArray got, int at, int heads, int hd, boolean rotated,
                       String what) {
        int half = hd / 2;
        for (int c = 0; c < heads * hd; c++) {
            int pair = c % hd < half ? c + half : c - half;
            double tol = dotBound(h.length) * (magnitude(h, w, c) + (rotated ? magnitude(h, w, pair) : 0));
            float wv = want.getAtIndex(F32, c);
            tol += 4 * Math.ulp(Math.abs(wv));
            float g = got.get(at + c);
            assertTrue(Math.abs(wv - g) <= tol, what + " col " + c + ": " + g + " vs " + wv + " (tol " + tol + ")");
        }
    }

    @org.junit.jupiter.api.Test
    void accumulatingRmsNormIsNormThenAdd() {
        int dim = 2304;
        float[] tv = random(dim, 3f);
        float[] accv = random(dim, 3f);
        Tensor norm = tensor(DType.F32, random(dim, 0.5f), dim);
        float[] h = normed(tv, norm);
        FloatArray t = FloatArray.fromArray(tv);
        FloatArray acc = FloatArray.fromArray(accv);
        FloatArray nw = FloatArray.fromArray(arr(norm.data(), dim));
        IntArray step = step(1, 0, 1);
        DeviceRun.run(g -> g.task(TASK, TornadoNorms::rmsNorm, ctx(), t, nw, acc, step, dim, EPS, 1),
                (gr, name) -> gr.perRow(name, TASK, 1), in(t, nw, acc, step), acc);
        for (int i = 0; i < dim; i++) {
            float want = accv[i] + h[i];
            double tol = (4 * gamma(dim) + 1e-6) * Math.abs(h[i]) + Math.ulp(Math.abs(want));
            assertTrue(Math.abs(want - acc.get(i)) <= tol, "at " + i + ": " + acc.get(i) + " vs " + want);
        }
    }
}
