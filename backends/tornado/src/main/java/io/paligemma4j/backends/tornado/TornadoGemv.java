package io.paligemma4j.backends.tornado;

import static io.paligemma4j.backends.tornado.Tiles.GEMV_COLS;
import static io.paligemma4j.backends.tornado.Tiles.ROW_GROUP;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * One-row matmuls (decode and the head), bandwidth-bound: a work-group of ROW_GROUP items per
 * GEMV_COLS output columns (or per two rotated column pairs) strides over k and reduces in local
 * memory; the multi-column trees are written out in each kernel (moved into a helper with a loop
 * over the rows, TornadoVM 5.2 on PoCL gave wrong sums). Contracts: {@link io.paligemma4j.kernels.ref.Matmul},
 * {@link io.paligemma4j.kernels.ref.Activations#geglu}.
 *
 * <p>Decode fuses its neighbours in to save launches and passes: an RMSNorm before
 * ({@code normed} = 1: every group recomputes the row's statistics with the norm kernel's own
 * reduction, so the normalised values are bit for bit the norm kernel's), and after, a residual
 * add into {@code out}, or a soft-cap. Flags are task constants: TornadoVM compiles them in, so
 * each task carries only its own path.
 */
public final class TornadoGemv {
    /** Epilogues: the plain value, {@code out += value}, {@code cap·tanh(value/cap)}. */
    public static final int STORE = 0;
    public static final int ADD = 1;
    public static final int CAP = 2;

    private TornadoGemv() {}

    /** The fused norm's {@link TornadoNorms#rmsInverse}, or 1 when {@code normed} is 0. Every item must call it. */
    private static float rmsScale(KernelContext c, float[] part, int t, FloatArray x, int base, int dim, int normed,
                                  float eps) {
        float inv = 1f;
        if (normed == 1) {
            inv = TornadoNorms.rmsInverse(c, part, t, x, base, dim, dim, eps);
        }
        return inv;
    }

    /**
     * Columns [4g, 4g + 4) of {@code x·Wᵀ (+ bias)}, x (row {@code step[IN_ROW]} with
     * {@code selected} = 1, else row 0) optionally RMS-normalised by {@code norm}, stored into row 0
     * of {@code out} (row {@code step[START]} with {@code outAtStart} = 1) as {@code epilogue} says.
     * Four columns per group share each x value and the norm's statistics; each column's sum has
     * the same order as a one-column reduction (k strided by ROW_GROUP, then the tree).
     */
    public static void gemv(KernelContext c, FloatArray x, FloatArray norm, ShortArray w, FloatArray pow2,
                            FloatArray bias, FloatArray out, IntArray step, int in, int cols, int format, int hasBias,
                            int outAtStart, int selected, int normed, float eps, int epilogue, float cap) {
        int col0 = c.groupIdx * GEMV_COLS;
        int t = c.localIdx;
        float[] part = c.allocateFloatLocalArray(ROW_GROUP * GEMV_COLS);
        int xb = (selected == 1 ? step.get(Step.IN_ROW) : 0) * in;
        float inv = rmsScale(c, part, t, x, xb, in, normed, eps);
        // Columns past the end read the last one (in bounds, no branch in the loop) and are not stored.
        int last = cols - 1;
        int b0 = TornadoMath.min(col0, last) * in;
        int b1 = TornadoMath.min(col0 + 1, last) * in;
        int b2 = TornadoMath.min(col0 + 2, last) * in;
        int b3 = TornadoMath.min(col0 + 3, last) * in;
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        for (int k = t; k < in; k += ROW_GROUP) {
            float xv = x.get(xb + k);
            if (normed == 1) {
                xv = xv * inv * (1f + norm.get(k));
            }
            s0 += xv * Weights16.load(w, b0 + k, format, pow2);
            s1 += xv * Weights16.load(w, b1 + k, format, pow2);
            s2 += xv * Weights16.load(w, b2 + k, format, pow2);
            s3 += xv * Weights16.load(w, b3 + k, format, pow2);
        }
        c.localBarrier();
        part[t] = s0;
        part[ROW_GROUP + t] = s1;
        part[2 * ROW_GROUP + t] = s2;
        part[3 * ROW_GROUP + t] = s3;
        c.localBarrier();
        for (int half = ROW_GROUP / 2; half > 0; half >>= 1) {
            if (t < half) {
                part[t] += part[t + half];
                part[ROW_GROUP + t] += part[ROW_GROUP + t + half];
                part[2 * ROW_GROUP + t] += part[2 * ROW_GROUP + t + half];
                part[3 * ROW_GROUP + t] += part[3 * ROW_GROUP + t + half];
            }
            c.localBarrier();
        }
        int col = col0 + t;
        if (t < GEMV_COLS && col < cols) {
            float v = part[t * ROW_GROUP];
            if (hasBias == 1) {
                v += bias.get(col);
            }
            int o = (outAtStart == 1 ? step.get(Step.START) : 0) * cols + col;
            if (epilogue == ADD) {
                v = out.get(o) + v;
            } else if (epilogue == CAP) {
                v = cap * DeviceMath.tanh(v / cap);
            }
            out.set(o, v);
        }
    }

    /**
     * The gate/up projections with GeGLU: group g reads rows [4g, 4g + 4) of both weights against
     * the same (optionally RMS-normalised) x and writes {@code gelu_tanh(x·Wg[c]) · (x·Wu[c])}.
     */
    public static void gateUp(KernelContext c, FloatArray x, FloatArray norm, ShortArray wGate, ShortArray wUp,
                              FloatArray pow2, FloatArray out, IntArray step, int in, int cols, int format, int normed,
                              float eps) {
        int col0 = c.groupIdx * GEMV_COLS;
        int t = c.localIdx;
        float[] part = c.allocateFloatLocalArray(ROW_GROUP * 2 * GEMV_COLS);
        float inv = rmsScale(c, part, t, x, 0, in, normed, eps);
        int last = cols - 1;
        int b0 = TornadoMath.min(col0, last) * in;
        int b1 = TornadoMath.min(col0 + 1, last) * in;
        int b2 = TornadoMath.min(col0 + 2, last) * in;
        int b3 = TornadoMath.min(col0 + 3, last) * in;
        float g0 = 0f;
        float g1 = 0f;
        float g2 = 0f;
        float g3 = 0f;
        float u0 = 0f;
        float u1 = 0f;
        float u2 = 0f;
        float u3 = 0f;
        for (int k = t; k < in; k += ROW_GROUP) {
            float xv = x.get(k);
            if (normed == 1) {
                xv = xv * inv * (1f + norm.get(k));
            }
            g0 += xv * Weights16.load(wGate, b0 + k, format, pow2);
            u0 += xv * Weights16.load(wUp, b0 + k, format, pow2);
            g1 += xv * Weights16.load(wGate, b1 + k, format, pow2);
            u1 += xv * Weights16.load(wUp, b1 + k, format, pow2);
            g2 += xv * Weights16.load(wGate, b2 + k, format, pow2);
            u2 += xv * Weights16.load(wUp, b2 + k, format, pow2);
            g3 += xv * Weights16.load(wGate, b3 + k, format, pow2);
            u3 += xv * Weights16.load(wUp, b3 + k, format, pow2);
        }
        c.localBarrier();
        part[t] = g0;
        part[ROW_GROUP + t] = g1;
        part[2 * ROW_GROUP + t] = g2;
        part[3 * ROW_GROUP + t] = g3;
        part[4 * ROW_GROUP + t] = u0;
        part[5 * ROW_GROUP + t] = u1;
        part[6 * ROW_GROUP + t] = u2;
        part[7 * ROW_GROUP + t] = u3;
        c.localBarrier();
        for (int half = ROW_GROUP / 2; half > 0; half >>= 1) {
            if (t < half) {
                for (int j = 0; j < 2 * GEMV_COLS; j++) {
                    part[j * ROW_GROUP + t] += part[j * ROW_GROUP + t + half];
                }
            }
            c.localBarrier();
        }
        int col = col0 + t;
        if (t < GEMV_COLS && col < cols) {
            out.set(col, TornadoActivations.gelu(part[t * ROW_GROUP]) * part[(GEMV_COLS + t) * ROW_GROUP]);
        }
    }

    /**
     * A decoder layer's attention inputs in one launch: RMSNorm of x, the q, k and v projections,
     * and RoPE on q and k; k and v go to row {@code step[START]} of their caches. Group g computes
     * two neighbouring column pairs (i, i + headDim/2) and (i + 1, i + 1 + headDim/2) of one head,
     * the values RoPE rotates together: q's pairs, then k's, then v's (not rotated). headDim is a
     * multiple of 4, so a group's pairs never straddle a head or a matrix. The rotation is
     * {@link TornadoRope#rope}'s, on the same table.
     */
    public static void qkvRope(KernelContext c, FloatArray x, FloatArray norm, ShortArray wq, ShortArray wk,
                               ShortArray wv, FloatArray pow2, FloatArray q, FloatArray kCache, FloatArray vCache,
                               FloatArray cos, FloatArray sin, IntArray step, int in, int heads, int kvHeads,
                               int headDim, int format, float eps) {
        int t = c.localIdx;
        int half = headDim / 2;
        int qPairs = heads * half;
        int kvPairs = kvHeads * half;
        int g = 2 * c.groupIdx;
        int which = g < qPairs ? 0 : g < qPairs + kvPairs ? 1 : 2;
        int p = which == 0 ? g : which == 1 ? g - qPairs : g - qPairs - kvPairs;
        int c0 = p / half * headDim + p % half;
        int c1 = c0 + half;
        float[] part = c.allocateFloatLocalArray(ROW_GROUP * 4);
        float inv = rmsScale(c, part, t, x, 0, in, 1, eps);
        float s00 = 0f;
        float s01 = 0f;
        float s10 = 0f;
        float s11 = 0f;
        int b0 = c0 * in;
        int b1 = c1 * in;
        for (int k = t; k < in; k += ROW_GROUP) {
            float xv = x.get(k) * inv * (1f + norm.get(k));
            float w00;
            float w01;
            float w10;
            float w11;
            if (which == 0) {
                w00 = Weights16.load(wq, b0 + k, format, pow2);
                w01 = Weights16.load(wq, b0 + in + k, format, pow2);
                w10 = Weights16.load(wq, b1 + k, format, pow2);
                w11 = Weights16.load(wq, b1 + in + k, format, pow2);
            } else if (which == 1) {
                w00 = Weights16.load(wk, b0 + k, format, pow2);
                w01 = Weights16.load(wk, b0 + in + k, format, pow2);
                w10 = Weights16.load(wk, b1 + k, format, pow2);
                w11 = Weights16.load(wk, b1 + in + k, format, pow2);
            } else {
                w00 = Weights16.load(wv, b0 + k, format, pow2);
                w01 = Weights16.load(wv, b0 + in + k, format, pow2);
                w10 = Weights16.load(wv, b1 + k, format, pow2);
                w11 = Weights16.load(wv, b1 + in + k, format, pow2);
            }
            s00 += xv * w00;
            s01 += xv * w01;
            s10 += xv * w10;
            s11 += xv * w11;
        }
        c.localBarrier();
        part[t] = s00;
        part[ROW_GROUP + t] = s01;
        part[2 * ROW_GROUP + t] = s10;
        part[3 * ROW_GROUP + t] = s11;
        c.localBarrier();
        for (int h = ROW_GROUP / 2; h > 0; h >>= 1) {
            if (t < h) {
                part[t] += part[t + h];
                part[ROW_GROUP + t] += part[ROW_GROUP + t + h];
                part[2 * ROW_GROUP + t] += part[2 * ROW_GROUP + t + h];
                part[3 * ROW_GROUP + t] += part[3 * ROW_GROUP + t + h];
            }
            c.localBarrier();
        }
        // Item j < 2 writes pair j: columns c0 + j and c1 + j.
        if (t < 2) {
            float a = part[t * ROW_GROUP];
            float b = part[(2 + t) * ROW_GROUP];
            int pos = step.get(Step.START);
            int kvDim = kvHeads * headDim;
            if (which == 2) {
                vCache.set(pos * kvDim + c0 + t, a);
                vCache.set(pos * kvDim + c1 + t, b);
            } else {
                int i = p % half + t;
                float co = cos.get(pos * half + i);
                float si = sin.get(pos * half + i);
                float r0 = a * co - b * si;
                float r1 = b * co + a * si;
                if (which == 0) {
                    q.set(c0 + t, r0);
                    q.set(c1 + t, r1);
                } else {
                    kCache.set(pos * kvDim + c0 + t, r0);
                    kCache.set(pos * kvDim + c1 + t, r1);
                }
            }
        }
    }
}
