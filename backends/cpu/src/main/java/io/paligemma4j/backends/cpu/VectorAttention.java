package io.paligemma4j.backends.cpu;

import static io.paligemma4j.backends.cpu.Vec.F;
import static io.paligemma4j.backends.cpu.Vec.L;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import io.paligemma4j.kernels.AttentionShape;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Attention with an online softmax (contract: {@link io.paligemma4j.kernels.ref.Attention}). A task
 * is one head and a block of {@value #QB} queries; keys are visited in tiles of {@link #TILE} (eight vectors of keys),
 * each transposed once per task so that scores come from an outer product (keys as vector lanes,
 * no horizontal sums) shared by the block's queries. Each query keeps a running maximum, sum and
 * head-sized accumulator, so memory is one tile whatever the sequence length: no N×N score
 * matrix exists. A query's visible keys are one contiguous range ({@link AttentionShape#firstVisible}),
 * so masked keys are never touched.
 */
final class VectorAttention {
    /** Keys per tile: the eight score vectors of {@link #scoresOf}, so a tile is 8·L keys at every width. */
    static final int TILE = 8 * L;
    /** Queries per task: they share each transposed key tile. */
    static final int QB = 16;

    private VectorAttention() {}

    static void attention(Parallel par, AttentionShape s, MemorySegment q, int nq, int queryStart, int prefixLen,
                          MemorySegment k, MemorySegment v, int nKv, MemorySegment out) {
        int heads = s.numHeads();
        int d = s.headDim();
        int blocks = (nq + QB - 1) / QB;
        par.forRange(blocks * heads, 1, (ts, te) -> {
            float[] kt = Scratch.floats(Scratch.KEYS_T, d * TILE);
            float[] scores = Scratch.floats(Scratch.SCORES, TILE);
            float[] qv = Scratch.floats(Scratch.QUERY, d);
            float[][] acc = new float[QB][d];
            float[] m = new float[QB];
            float[] l = new float[QB];
            for (int t = ts; t < te; t++) {
                int h = t % heads;
                int i0 = (t / heads) * QB;
                int qb = Math.min(QB, nq - i0);
                int kvh = h / s.group();
                int lo = Integer.MAX_VALUE;
                int hi = 0;
                for (int i = 0; i < qb; i++) {
                    int qi = queryStart + i0 + i;
                    int a = s.firstVisible(qi, prefixLen);
                    int b = s.endVisible(qi, prefixLen, nKv);
                    if (b <= a) {
                        throw new IllegalStateException("query " + qi + " sees no key");
                    }
                    lo = Math.min(lo, a);
                    hi = Math.max(hi, b);
                    java.util.Arrays.fill(acc[i], 0f);
                    m[i] = Float.NEGATIVE_INFINITY;
                    l[i] = 0f;
                }
                // Tiles sit at fixed multiples of TILE, so a query's result never depends on its block.
                for (int j0 = lo / TILE * TILE; j0 < hi; j0 += TILE) {
                    int n = Math.min(TILE, nKv - j0);
                    transpose(k, j0, n, s.kvStride(), kvh * d, d, kt);
                    for (int i = 0; i < qb; i++) {
                        int qi = queryStart + i0 + i;
                        int a = Math.max(s.firstVisible(qi, prefixLen), j0) - j0;
                        int b = Math.min(s.endVisible(qi, prefixLen, nKv), j0 + n) - j0;
                        if (b <= a) {
                            continue;
                        }
                        long qBase = (long) (i0 + i) * s.qStride() + (long) h * d;
                        MemorySegment.copy(q, JAVA_FLOAT, qBase * 4, qv, 0, d);
                        scoresOf(qv, kt, d, scores);
                        float tileMax = scaleAndCap(scores, a, b, s.scale(), s.softcap());
                        float mNew = Math.max(m[i], tileMax);
                        float corr = (float) Math.exp(m[i] - mNew);
                        l[i] = l[i] * corr + expInPlace(scores, a, b, mNew);
                        scale(acc[i], corr);
                        for (int j = a; j < b; j++) {
                            axpy(acc[i], scores[j], v, (long) (j0 + j) * s.kvStride() + (long) kvh * d, d);
                        }
                        m[i] = mNew;
                    }
                }
                for (int i = 0; i < qb; i++) {
                    long qBase = (long) (i0 + i) * s.qStride() + (long) h * d;
                    float inv = 1f / l[i];
                    int x = 0;
                    for (; x + L <= d; x += L) {
                        Vec.store(FloatVector.fromArray(F, acc[i], x).mul(inv), out, qBase + x);
                    }
                    for (; x < d; x++) {
                        out.setAtIndex(JAVA_FLOAT, qBase + x, acc[i][x] * inv);
                    }
                }
            }
        });
    }

    /** kt[t·TILE + j] = k[j0 + j, off + t] for the n keys of a tile: keys become vector lanes. */
    private static void transpose(MemorySegment k, int j0, int n, int stride, int off, int d, float[] kt) {
        for (int j = 0; j < n; j++) {
            long base = (long) (j0 + j) * stride + off;
            for (int t = 0; t < d; t++) {
                kt[t * TILE + j] = k.getAtIndex(JAVA_FLOAT, base + t);
            }
        }
    }

    /** scores[j] = q · k_j for the tile's keys: an outer product over d, L keys per vector, no reductions. */
    private static void scoresOf(float[] qv, float[] kt, int d, float[] scores) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        for (int t = 0; t < d; t++) {
            FloatVector a = FloatVector.broadcast(F, qv[t]);
            int b = t * TILE;
            s0 = FloatVector.fromArray(F, kt, b).fma(a, s0);
            s1 = FloatVector.fromArray(F, kt, b + L).fma(a, s1);
            s2 = FloatVector.fromArray(F, kt, b + 2 * L).fma(a, s2);
            s3 = FloatVector.fromArray(F, kt, b + 3 * L).fma(a, s3);
            s4 = FloatVector.fromArray(F, kt, b + 4 * L).fma(a, s4);
            s5 = FloatVector.fromArray(F, kt, b + 5 * L).fma(a, s5);
            s6 = FloatVector.fromArray(F, kt, b + 6 * L).fma(a, s6);
            s7 = FloatVector.fromArray(F, kt, b + 7 * L).fma(a, s7);
        }
        s0.intoArray(scores, 0);
        s1.intoArray(scores, L);
        s2.intoArray(scores, 2 * L);
        s3.intoArray(scores, 3 * L);
        s4.intoArray(scores, 4 * L);
        s5.intoArray(scores, 5 * L);
        s6.intoArray(scores, 6 * L);
        s7.intoArray(scores, 7 * L);
    }

    /** sc[j] = cap·tanh(scale·sc[j] / cap) (or scale·sc[j] without a cap) for j in [from, n); returns their maximum. */
    private static float scaleAndCap(float[] sc, int from, int n, float scale, float cap) {
        float max = Float.NEGATIVE_INFINITY;
        int j = from;
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

    /** sc[j] = e^(sc[j] − m) in place for j in [from, n); returns their sum. */
    private static float expInPlace(float[] sc, int from, int n, float m) {
        FloatVector sum = FloatVector.zero(F);
        int j = from;
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
