package io.paligemma4j.kernels.vector;

import static io.paligemma4j.kernels.vector.Vec.F;
import static io.paligemma4j.kernels.vector.Vec.L;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import io.paligemma4j.kernels.AttentionShape;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Attention with an online softmax (contract: {@link io.paligemma4j.kernels.ref.Attention}). One
 * task per (query, head); keys are visited in tiles of {@value #TILE} with a running maximum and
 * sum, so memory per task is one tile of scores and one head-sized accumulator, whatever the
 * sequence length; no N×N score matrix exists. The visible keys of a query are one contiguous
 * range ({@link AttentionShape#firstVisible}), so masked keys are never touched.
 */
final class VectorAttention {
    static final int TILE = 64;

    private VectorAttention() {}

    static void attention(Parallel par, AttentionShape s, MemorySegment q, int nq, int queryStart, int prefixLen,
                          MemorySegment k, MemorySegment v, int nKv, MemorySegment out) {
        int heads = s.numHeads();
        int d = s.headDim();
        par.forRange(nq * heads, 2, (ts, te) -> {
            float[] scores = new float[TILE];
            float[] acc = new float[d];
            for (int t = ts; t < te; t++) {
                int i = t / heads;
                int h = t % heads;
                int qi = queryStart + i;
                int kvh = h / s.group();
                long qBase = (long) i * s.qStride() + (long) h * d;
                int lo = s.firstVisible(qi, prefixLen);
                int hi = s.endVisible(qi, prefixLen, nKv);
                if (hi <= lo) {
                    throw new IllegalStateException("query " + qi + " sees no key");
                }
                java.util.Arrays.fill(acc, 0f);
                float m = Float.NEGATIVE_INFINITY;
                float l = 0f;
                for (int j0 = lo; j0 < hi; j0 += TILE) {
                    int n = Math.min(TILE, hi - j0);
                    for (int j = 0; j < n; j++) {
                        long kBase = (long) (j0 + j) * s.kvStride() + (long) kvh * d;
                        scores[j] = dot(q, qBase, k, kBase, d);
                    }
                    float tileMax = scaleAndCap(scores, n, s.scale(), s.softcap());
                    float mNew = Math.max(m, tileMax);
                    float corr = (float) Math.exp(m - mNew);
                    l = l * corr + expInPlace(scores, n, mNew);
                    scale(acc, corr);
                    for (int j = 0; j < n; j++) {
                        axpy(acc, scores[j], v, (long) (j0 + j) * s.kvStride() + (long) kvh * d, d);
                    }
                    m = mNew;
                }
                float inv = 1f / l;
                int x = 0;
                for (; x + L <= d; x += L) {
                    Vec.store(FloatVector.fromArray(F, acc, x).mul(inv), out, qBase + x);
                }
                for (; x < d; x++) {
                    out.setAtIndex(JAVA_FLOAT, qBase + x, acc[x] * inv);
                }
            }
        });
    }

    /** scores = cap·tanh(scale·s / cap) (or scale·s without a cap) over n values; returns their maximum. */
    private static float scaleAndCap(float[] sc, int n, float scale, float cap) {
        float max = Float.NEGATIVE_INFINITY;
        int j = 0;
        for (; j + L <= n; j += L) {
            FloatVector v = FloatVector.fromArray(F, sc, j).mul(scale);
            if (cap > 0) {
                v = Vec.tanh(v.mul(1f / cap)).mul(cap);
            }
            v.intoArray(sc, j);
            max = Math.max(max, v.reduceLanes(VectorOperators.MAX));
        }
        for (; j < n; j++) {
            float v = sc[j] * scale;
            if (cap > 0) {
                v = (float) (cap * Math.tanh(v / cap));
            }
            sc[j] = v;
            max = Math.max(max, v);
        }
        return max;
    }

    /** sc[j] = e^(sc[j] − m) in place over n values; returns their sum. */
    private static float expInPlace(float[] sc, int n, float m) {
        FloatVector sum = FloatVector.zero(F);
        int j = 0;
        for (; j + L <= n; j += L) {
            FloatVector e = Vec.exp(FloatVector.fromArray(F, sc, j).sub(m));
            e.intoArray(sc, j);
            sum = sum.add(e);
        }
        float total = Vec.sum(sum);
        for (; j < n; j++) {
            sc[j] = (float) Math.exp(sc[j] - m);
            total += sc[j];
        }
        return total;
    }

    private static float dot(MemorySegment a, long ao, MemorySegment b, long bo, int n) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0;
        int i = 0;
        for (; i + 2 * L <= n; i += 2 * L) {
            s0 = Vec.act(a, ao + i).fma(Vec.act(b, bo + i), s0);
            s1 = Vec.act(a, ao + i + L).fma(Vec.act(b, bo + i + L), s1);
        }
        for (; i + L <= n; i += L) {
            s0 = Vec.act(a, ao + i).fma(Vec.act(b, bo + i), s0);
        }
        float s = Vec.sum(s0.add(s1));
        for (; i < n; i++) {
            s += a.getAtIndex(JAVA_FLOAT, ao + i) * b.getAtIndex(JAVA_FLOAT, bo + i);
        }
        return s;
    }

    private static void scale(float[] acc, float c) {
        if (c == 1f) {
            return;
        }
        int i = 0;
        for (; i + L <= acc.length; i += L) {
            FloatVector.fromArray(F, acc, i).mul(c).intoArray(acc, i);
        }
        for (; i < acc.length; i++) {
            acc[i] *= c;
        }
    }

    /** acc += p · v[vo .. vo+n). */
    private static void axpy(float[] acc, float p, MemorySegment v, long vo, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            Vec.act(v, vo + i).mul(p).add(FloatVector.fromArray(F, acc, i)).intoArray(acc, i);
        }
        for (; i < n; i++) {
            acc[i] += p * v.getAtIndex(JAVA_FLOAT, vo + i);
        }
    }
}
