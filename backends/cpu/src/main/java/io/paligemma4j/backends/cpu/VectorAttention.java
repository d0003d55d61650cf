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
 * is one kv head, the query heads that read it (or a share of them, when there would be too few
 * tasks for the threads) and a block of queries: a multiple of {@value #QB}, as large as the threads
 * and {@link #ACC_FLOATS} allow. Keys are visited in tiles of
 * {@link #TILE} (eight vectors of keys); each tile is copied once per task, keys transposed so that
 * scores come from an outer product (keys as vector lanes, no horizontal sums) and values padded to
 * whole vectors, and serves every query row of the task: with MQA all eight heads share it. Each
 * query row keeps a running maximum, sum and head-sized accumulator, which the tile's weighted
 * values are added to in registers, a few vectors of the head at a time. Memory is one tile
 * whatever the sequence length: no N×N score matrix exists. A query's visible keys are one
 * contiguous range ({@link AttentionShape#firstVisible}), so masked keys are never touched.
 */
final class VectorAttention {
    /** Keys per tile: the eight score vectors of {@link #scoresOf}, so a tile is 8·L keys at every width. */
    static final int TILE = 8 * L;
    /** Query blocks are multiples of this. */
    static final int QB = 16;
    /** Accumulator floats per task at most (query rows × padded head size): 256 KB, within L2. */
    static final int ACC_FLOATS = 64 * 1024;

    private VectorAttention() {}

    static void attention(Parallel par, AttentionShape s, MemorySegment q, int nq, int queryStart, int prefixLen,
                          MemorySegment k, MemorySegment v, int nKv, MemorySegment out) {
        int kvHeads = s.numKvHeads();
        int g = s.group();
        int d = s.headDim();
        int dp = (d + L - 1) / L * L;
        // Split a group's heads only when there are fewer kv heads than twice the threads (MQA, GQA).
        int parts = Math.max(1, Math.min(g, (2 * par.threads() + kvHeads - 1) / kvHeads));
        int heads = (g + parts - 1) / parts;
        // Query blocks as large as the accumulators' budget and the threads allow: each copied tile
        // then serves as many query rows as possible.
        int wanted = Math.max(1, 4 * par.threads() / (kvHeads * parts));
        int byBudget = Math.max(QB, ACC_FLOATS / dp / heads / QB * QB);
        int qbs = Math.min(byBudget, Math.max(QB, ((nq + wanted - 1) / wanted + QB - 1) / QB * QB));
        int blocks = (nq + qbs - 1) / qbs;
        par.forRange(blocks * kvHeads * parts, 1, (ts, te) -> {
            int rowsMax = qbs * heads;
            float[] kt = Scratch.floats(Scratch.KEYS_T, d * TILE);
            float[] vt = Scratch.floats(Scratch.VALUES, TILE * dp);
            float[] scores = Scratch.floats(Scratch.SCORES, TILE);
            float[] tmp = Scratch.floats(Scratch.TMP, TILE);
            float[] lanes = Scratch.floats(Scratch.LANES, L);
            float[] qv = Scratch.floats(Scratch.QUERY, rowsMax * d);
            float[] acc = Scratch.floats(Scratch.ATTN_ACC, rowsMax * dp);
            float[] m = Scratch.floats(Scratch.ROW_MAX, rowsMax);
            float[] l = Scratch.floats(Scratch.ROW_SUM, rowsMax);
            for (int t = ts; t < te; t++) {
                int part = t % parts;
                int kvh = (t / parts) % kvHeads;
                int i0 = t / (parts * kvHeads) * qbs;
                int qb = Math.min(qbs, nq - i0);
                int h0 = kvh * g + g * part / parts;
                int nh = kvh * g + g * (part + 1) / parts - h0;
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
                }
                // Row r of the task is head h0 + r / qb, query i0 + r % qb.
                int rows = nh * qb;
                for (int r = 0; r < rows; r++) {
                    long qBase = (long) (i0 + r % qb) * s.qStride() + (long) (h0 + r / qb) * d;
                    MemorySegment.copy(q, JAVA_FLOAT, qBase * 4, qv, r * d, d);
                    m[r] = Float.NEGATIVE_INFINITY;
                    l[r] = 0f;
                }
                java.util.Arrays.fill(acc, 0, rows * dp, 0f);
                // Tiles sit at fixed multiples of TILE, so a query's result never depends on its block.
                for (int j0 = lo / TILE * TILE; j0 < hi; j0 += TILE) {
                    int n = Math.min(TILE, nKv - j0);
                    copyTile(k, v, j0, n, s.kvStride(), kvh * d, d, dp, kt, vt);
                    for (int r = 0; r < rows; r++) {
                        int qi = queryStart + i0 + r % qb;
                        int a = Math.max(s.firstVisible(qi, prefixLen), j0) - j0;
                        int b = Math.min(s.endVisible(qi, prefixLen, nKv), j0 + n) - j0;
                        if (b <= a) {
                            continue;
                        }
                        scoresOf(qv, r * d, kt, d, scores);
                        float tileMax = scaleAndCap(scores, tmp, a, b, s.scale(), s.softcap());
                        float mNew = Math.max(m[r], tileMax);
                        float corr = (float) Math.exp(m[r] - mNew);
                        l[r] = l[r] * corr + expInPlace(scores, lanes, a, b, mNew);
                        addValues(acc, r * dp, dp, corr, scores, a, b, vt);
                        m[r] = mNew;
                    }
                }
                for (int r = 0; r < rows; r++) {
                    long qBase = (long) (i0 + r % qb) * s.qStride() + (long) (h0 + r / qb) * d;
                    storeScaled(acc, r * dp, d, 1f / l[r], out, qBase);
                }
            }
        });
    }

    /**
     * out[o + x] = acc[a + x]·inv for x < d. A method of its own: at the end of the task's loop body,
     * inlined, these vector calls were where C2's inlining node budget ran out, and they ran the
     * Vector API's allocating fallback on every query row (JFR).
     */
    private static void storeScaled(float[] acc, int a, int d, float inv, MemorySegment out, long o) {
        int x = 0;
        for (; x + L <= d; x += L) {
            FloatVector.fromArray(F, acc, a + x).mul(inv).intoMemorySegment(out, (o + x) * 4L, Vec.NATIVE);
        }
        for (; x < d; x++) {
            out.setAtIndex(JAVA_FLOAT, o + x, acc[a + x] * inv);
        }
    }

    /**
     * The n keys of a tile from j0: kt[t·TILE + j] = k[j0 + j, off + t] (keys become vector lanes),
     * and vt[j·dp + x] = v[j0 + j, off + x], zero past d so that whole vectors can be read.
     */
    private static void copyTile(MemorySegment k, MemorySegment v, int j0, int n, int stride, int off, int d, int dp,
                                 float[] kt, float[] vt) {
        for (int j = 0; j < n; j++) {
            long base = (long) (j0 + j) * stride + off;
            for (int t = 0; t < d; t++) {
                kt[t * TILE + j] = k.getAtIndex(JAVA_FLOAT, base + t);
            }
            MemorySegment.copy(v, JAVA_FLOAT, base * 4, vt, j * dp, d);
            java.util.Arrays.fill(vt, j * dp + d, (j + 1) * dp, 0f);
        }
    }

    /**
     * acc[ao + x] = acc[ao + x]·corr + Σ_{j∈[a,b)} p[j]·vt[j·dp + x] for x < dp, in register-held
     * accumulators across the keys: eight vectors of the head at a time (eight independent FMA
     * chains keep both FMA pipes busy), then what remains with two accumulator sets for even and odd
     * keys, so that a short remainder is not one latency-bound chain.
     */
    private static void addValues(float[] acc, int ao, int dp, float corr, float[] p, int a, int b, float[] vt) {
        int x = 0;
        for (; x + 8 * L <= dp; x += 8 * L) {
            FloatVector c0 = FloatVector.fromArray(F, acc, ao + x).mul(corr);
            FloatVector c1 = FloatVector.fromArray(F, acc, ao + x + L).mul(corr);
            FloatVector c2 = FloatVector.fromArray(F, acc, ao + x + 2 * L).mul(corr);
            FloatVector c3 = FloatVector.fromArray(F, acc, ao + x + 3 * L).mul(corr);
            FloatVector c4 = FloatVector.fromArray(F, acc, ao + x + 4 * L).mul(corr);
            FloatVector c5 = FloatVector.fromArray(F, acc, ao + x + 5 * L).mul(corr);
            FloatVector c6 = FloatVector.fromArray(F, acc, ao + x + 6 * L).mul(corr);
            FloatVector c7 = FloatVector.fromArray(F, acc, ao + x + 7 * L).mul(corr);
            for (int j = a; j < b; j++) {
                FloatVector w = FloatVector.broadcast(F, p[j]);
                int vo = j * dp + x;
                c0 = FloatVector.fromArray(F, vt, vo).fma(w, c0);
                c1 = FloatVector.fromArray(F, vt, vo + L).fma(w, c1);
                c2 = FloatVector.fromArray(F, vt, vo + 2 * L).fma(w, c2);
                c3 = FloatVector.fromArray(F, vt, vo + 3 * L).fma(w, c3);
                c4 = FloatVector.fromArray(F, vt, vo + 4 * L).fma(w, c4);
                c5 = FloatVector.fromArray(F, vt, vo + 5 * L).fma(w, c5);
                c6 = FloatVector.fromArray(F, vt, vo + 6 * L).fma(w, c6);
                c7 = FloatVector.fromArray(F, vt, vo + 7 * L).fma(w, c7);
            }
            c0.intoArray(acc, ao + x);
            c1.intoArray(acc, ao + x + L);
            c2.intoArray(acc, ao + x + 2 * L);
            c3.intoArray(acc, ao + x + 3 * L);
            c4.intoArray(acc, ao + x + 4 * L);
            c5.intoArray(acc, ao + x + 5 * L);
            c6.intoArray(acc, ao + x + 6 * L);
            c7.intoArray(acc, ao + x + 7 * L);
        }
        for (; x + 2 * L <= dp; x += 2 * L) {
            FloatVector e0 = FloatVector.fromArray(F, acc, ao + x).mul(corr);
            FloatVector e1 = FloatVector.fromArray(F, acc, ao + x + L).mul(corr);
            FloatVector o0 = FloatVector.zero(F);
            FloatVector o1 = o0;
            int j = a;
            for (; j + 1 < b; j += 2) {
                FloatVector we = FloatVector.broadcast(F, p[j]);
                FloatVector wo = FloatVector.broadcast(F, p[j + 1]);
                int vo = j * dp + x;
                e0 = FloatVector.fromArray(F, vt, vo).fma(we, e0);
                e1 = FloatVector.fromArray(F, vt, vo + L).fma(we, e1);
                o0 = FloatVector.fromArray(F, vt, vo + dp).fma(wo, o0);
                o1 = FloatVector.fromArray(F, vt, vo + dp + L).fma(wo, o1);
            }
            if (j < b) {
                FloatVector we = FloatVector.broadcast(F, p[j]);
                e0 = FloatVector.fromArray(F, vt, j * dp + x).fma(we, e0);
                e1 = FloatVector.fromArray(F, vt, j * dp + x + L).fma(we, e1);
            }
            e0.add(o0).intoArray(acc, ao + x);
            e1.add(o1).intoArray(acc, ao + x + L);
        }
        for (; x < dp; x += L) {
            FloatVector e = FloatVector.fromArray(F, acc, ao + x).mul(corr);
            FloatVector o = FloatVector.zero(F);
            int j = a;
            for (; j + 1 < b; j += 2) {
                e = FloatVector.fromArray(F, vt, j * dp + x).fma(FloatVector.broadcast(F, p[j]), e);
                o = FloatVector.fromArray(F, vt, (j + 1) * dp + x).fma(FloatVector.broadcast(F, p[j + 1]), o);
            }
            if (j < b) {
                e = FloatVector.fromArray(F, vt, j * dp + x).fma(FloatVector.broadcast(F, p[j]), e);
            }
            e.add(o).intoArray(acc, ao + x);
        }
    }

    /** scores[j] = q · k_j for the tile's keys: an outer product over d, L keys per vector, no reductions. */
    private static void scoresOf(float[] qv, int qo, float[] kt, int d, float[] scores) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        for (int t = 0; t < d; t++) {
            FloatVector a = FloatVector.broadcast(F, qv[qo + t]);
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

    /**
     * sc[j] = cap·tanh(scale·sc[j] / cap) (or scale·sc[j] without a cap) for j in [from, n); returns
     * their maximum. t is scratch for the cap's exponentials.
     */
    private static float scaleAndCap(float[] sc, float[] t, int from, int n, float scale, float cap) {
        int whole = from + (n - from) / L * L;
        for (int j = from; j < whole; j += L) {
            FloatVector.fromArray(F, sc, j).mul(scale).intoArray(sc, j);
        }
        if (cap > 0) {
            Vec.softcapInPlace(sc, t, from, whole, cap);
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int j = from; j < whole; j += L) {
            max = Math.max(max, FloatVector.fromArray(F, sc, j).reduceLanes(VectorOperators.MAX));
        }
        for (int j = whole; j < n; j++) {
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
    private static float expInPlace(float[] sc, float[] lanes, int from, int n, float m) {
        int whole = from + (n - from) / L * L;
        for (int j = from; j < whole; j += L) {
            FloatVector.fromArray(F, sc, j).sub(m).intoArray(sc, j);
        }
        Vec.expInPlace(sc, from, whole);
        FloatVector sum = FloatVector.zero(F);
        for (int j = from; j < whole; j += L) {
            sum = sum.add(FloatVector.fromArray(F, sc, j));
        }
        sum.intoArray(lanes, 0);
        float total = Vec.sum(lanes, 0);
        for (int j = whole; j < n; j++) {
            sc[j] = (float) Math.exp(sc[j] - m);
            total += sc[j];
        }
        return total;
    }
}
