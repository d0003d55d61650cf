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
 * GEMM, GEMV and the fused gate/up GeGLU GEMV on the TornadoVM device against the reference, for
 * each stored weight dtype, at sizes that are not multiples of the tiles (1, 7, 33, 1000, 1031,
 * 2100). Both sides decode BF16/F16 exactly, so only float32 summation order differs: two orders
 * of an n-term dot product differ by at most 2·γ_n·Σ|x·w| (γ_n = n·u/(1 − n·u), u = 2^−24), the
 * bound checked element by element.
 */
class MatmulParityTest extends ParityBase {
    final ReferenceKernels ref = new ReferenceKernels();

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void gemmWithinTheSummationBound(DType dt) {
        int[][] shapes = {{2, 7, 33}, {7, 33, 5}, {33, 100, 70}, {40, 1031, 33}, {1, 33, 7}};
        for (int[] sh : shapes) {
            check(dt, sh[0], sh[1], sh[2], true);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void gemvWithinTheSummationBound(DType dt) {
        int[][] shapes = {{1, 1, 1}, {1, 7, 33}, {1, 1000, 7}, {1, 2100, 5}, {1, 1031, 10}};
        for (int[] sh : shapes) {
            check(dt, sh[0], sh[1], sh[2], false);
        }
    }

    void check(DType dt, int rows, int in, int cols, boolean gemm) {
        float[] xv = random(rows * in, 1f);
        Tensor w = tensor(dt, random(cols * in, 0.5f), cols, in);
        Tensor b = tensor(DType.F32, random(cols, 1f), cols);
        MemorySegment r = zeros((long) rows * cols);
        ref.matmul(seg(xv), rows, in, w, b, r);
        Weights16.Matrix m = Weights16.upload(w);
        FloatArray pow2 = Weights16.powersOfTwo();
        FloatArray x = FloatArray.fromArray(xv);
        FloatArray bias = FloatArray.fromArray(arr(b.data(), cols));
        FloatArray out = new FloatArray(rows * cols);
        IntArray step = step(rows, 0, rows);
        int fmt = m.format();
        if (gemm) {
            DeviceRun.run(g -> g.task(TASK, TornadoMatmul::gemm, ctx(), x, m.bits(), pow2, bias, out, step, in, cols,
                    fmt, 1, 0), (gr, name) -> gr.gemm(name, TASK, rows, cols),
                    in(x, m.bits(), pow2, bias, step), out);
        } else {
            DeviceRun.run(g -> g.task(TASK, TornadoGemv::gemv, ctx(), x, bias, m.bits(), pow2, bias, out, step, in, cols,
                    fmt, 1, 0, 0, 0, 0f, TornadoGemv.STORE, 0f), (gr, name) -> gr.gemv(name, TASK, cols),
                    in(x, m.bits(), pow2, bias, step), out);
        }
        for (int i = 0; i < rows; i++) {
            for (int o = 0; o < cols; o++) {
                double mag = Math.abs(b.getFloat(o));
                for (int k = 0; k < in; k++) {
                    mag += Math.abs(xv[i * in + k] * w.getFloat((long) o * in + k));
                }
                double tol = 2 * gamma(in + 1) * mag;
                float want = r.getAtIndex(F32, (long) i * cols + o);
                float got = out.get(i * cols + o);
                assertTrue(Math.abs(want - got) <= tol, dt + " " + rows + "x" + in + "x" + cols + " at " + i + "," + o
                        + ": " + got + " vs " + want + " (tol " + tol + ")");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void fusedGateUpGegluMatchesTheReference(DType dt) {
        for (int[] sh : new int[][] {{1, 7}, {1000, 33}, {1031, 9}}) {
            int in = sh[0], cols = sh[1];
            float[] xv = random(in, 1f);
            Tensor wg = tensor(dt, random(cols * in, 0.5f), cols, in);
            Tensor wu = tensor(dt, random(cols * in, 0.5f), cols, in);
            MemorySegment r = zeros(cols);
            ref.gateUpGeglu(seg(xv), 1, in, wg, wu, r);
            Weights16.Matrix g = Weights16.upload(wg);
            Weights16.Matrix u = Weights16.upload(wu);
            FloatArray pow2 = Weights16.powersOfTwo();
            FloatArray x = FloatArray.fromArray(xv);
            FloatArray out = new FloatArray(cols);
            IntArray step = step(1, 0, 1);
            DeviceRun.run(t -> t.task(TASK, TornadoGemv::gateUp, ctx(), x, x, g.bits(), u.bits(), pow2, out, step, in,
                    cols, g.format(), 0, 0f), (gr, name) -> gr.gemv(name, TASK, cols),
                    in(x, g.bits(), u.bits(), pow2, step), out);
            // The gate and up sums each carry the summation bound; gelu' < 1.13 carries it through,
            // scaled by the other factor: 1e-5 of the outputs' scale covers n ≤ 1031 with margin.
            assertClose(arr(r, cols), out.toHeapArray(), 1e-5, dt + " gate/up " + in + "x" + cols);
        }
    }
}
