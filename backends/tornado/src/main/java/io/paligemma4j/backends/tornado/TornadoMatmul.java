package io.paligemma4j.backends.tornado;

import static io.paligemma4j.backends.tornado.Tiles.*;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * {@code out[r, c] = Σ_k x[r, k]·W[c, k] (+ bias[c])}: x is [rows, in] float32, W is [cols, in]
 * as stored (see {@link Weights16}). Rows come from {@code step[ROWS]} at run time. Contract:
 * {@link io.paligemma4j.kernels.ref.Matmul}.
 * This is the many-row shape (the vision tower, prefill); one row goes to {@link TornadoGemv}.
 */
public final class TornadoMatmul {
    private TornadoMatmul() {}

    /**
     * Tiled GEMM: a work-group computes a GEMM_TILE² output tile; each work-item GEMM_WPT rows of
     * one column. x and W tiles are staged in local memory, k-major with a padded stride.
     * {@code outAtStart} = 1 writes row r to {@code out} row {@code step[START] + r} (the KV cache).
     */
    public static void gemm(KernelContext c, FloatArray x, ShortArray w, FloatArray pow2, FloatArray bias,
                            FloatArray out, IntArray step, int in, int cols, int format, int hasBias,
                            int outAtStart) {
        int rows = step.get(Step.ROWS);
        int row0 = c.groupIdy * GEMM_TILE;
        // Idle groups walk the same constant-count loop with the work switched off: a barrier
        // under data-dependent control flow (an early return, a loaded trip count) is mis-run by
        // PoCL (work-items past the first read stale local tiles in a probe). See Tiles.
        boolean live = row0 < rows;
        int col0 = c.groupIdx * GEMM_TILE;
        int tx = c.localIdx;
        int ty = c.localIdy;
        float[] xs = c.allocateFloatLocalArray(GEMM_TILE * GEMM_STRIDE);
        float[] ws = c.allocateFloatLocalArray(GEMM_TILE * GEMM_STRIDE);
        // Eight named accumulators, not a private array: PoCL loses private arrays that live
        // across barriers (every item but the first read garbage in a probe).
        float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f, a4 = 0f, a5 = 0f, a6 = 0f, a7 = 0f;
        int s = GEMM_ROW_THREADS * GEMM_STRIDE;
        for (int k0 = 0; k0 < in; k0 += GEMM_TILE) {
            int k = k0 + tx;
            for (int i = 0; i < GEMM_WPT; i++) {
                int r = ty + i * GEMM_ROW_THREADS;
                float xv = 0f;
                if (live && row0 + r < rows && k < in) {
                    xv = x.get((row0 + r) * in + k);
                }
                xs[r * GEMM_STRIDE + tx] = xv;
                float wv = 0f;
                if (live && col0 + r < cols && k < in) {
                    wv = Weights16.load(w, (col0 + r) * in + k, format, pow2);
                }
                ws[r * GEMM_STRIDE + tx] = wv;
            }
            c.localBarrier();
            if (live) {
                int xb = ty * GEMM_STRIDE;
                for (int kk = 0; kk < GEMM_TILE; kk++) {
                    float wv = ws[tx * GEMM_STRIDE + kk];
                    int xi = xb + kk;
                    a0 += xs[xi] * wv;
                    a1 += xs[xi + s] * wv;
                    a2 += xs[xi + 2 * s] * wv;
                    a3 += xs[xi + 3 * s] * wv;
                    a4 += xs[xi + 4 * s] * wv;
                    a5 += xs[xi + 5 * s] * wv;
                    a6 += xs[xi + 6 * s] * wv;
                    a7 += xs[xi + 7 * s] * wv;
                }
            }
            c.localBarrier();
        }
        int col = col0 + tx;
        if (live && col < cols) {
            float b = 0f;
            if (hasBias == 1) {
                b = bias.get(col);
            }
            int r0 = row0 + ty;
            int base = ((outAtStart == 1 ? step.get(Step.START) : 0) + r0) * cols + col;
            int rs = GEMM_ROW_THREADS * cols;
            store(out, base, rs, 0, r0, rows, a0 + b);
            store(out, base, rs, 1, r0, rows, a1 + b);
            store(out, base, rs, 2, r0, rows, a2 + b);
            store(out, base, rs, 3, r0, rows, a3 + b);
            store(out, base, rs, 4, r0, rows, a4 + b);
            store(out, base, rs, 5, r0, rows, a5 + b);
            store(out, base, rs, 6, r0, rows, a6 + b);
            store(out, base, rs, 7, r0, rows, a7 + b);
        }
    }

    /** Writes the i-th of a work-item's rows when it exists. */
    private static void store(FloatArray out, int base, int rowStep, int i, int r0, int rows, float v) {
        if (r0 + i * GEMM_ROW_THREADS < rows) {
            out.set(base + i * rowStep, v);
        }
    }
}
