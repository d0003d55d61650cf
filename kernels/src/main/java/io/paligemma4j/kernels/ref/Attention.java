package io.paligemma4j.kernels.ref;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import io.paligemma4j.kernels.AttentionShape;
import java.lang.foreign.MemorySegment;

/**
 * Scaled dot-product attention with the prefix-LM mask. Contract: {@code q} is [nq, H·d] (query i
 * sits at absolute index {@code queryStart + i}), {@code k} and {@code v} are [≥ nKv, K·d] (the
 * KV cache, rows 0..nKv−1 valid), {@code out} is [nq, H·d]. For each query head h (kv head
 * h / (H/K)): {@code s_j = scale · q·k_j}; if softcap > 0, {@code s_j = softcap·tanh(s_j/softcap)};
 * keys hidden by {@link AttentionShape#visible} are dropped; {@code p = softmax(s)} in float32
 * with the row maximum subtracted; {@code out = Σ_j p_j v_j}. A query with no visible key cannot
 * occur (a key always sees itself) and is an error.
 */
public final class Attention {
    private Attention() {}

    public static void attention(AttentionShape s, MemorySegment q, int nq, int queryStart, int prefixLen,
                                 MemorySegment k, MemorySegment v, int nKv, MemorySegment out) {
        int d = s.headDim();
        float[] scores = new float[nKv];
        for (int i = 0; i < nq; i++) {
            int qi = queryStart + i;
            for (int h = 0; h < s.numHeads(); h++) {
                int kvh = h / s.group();
                long qBase = (long) i * s.qStride() + (long) h * d;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < nKv; j++) {
                    if (!s.visible(qi, j, prefixLen)) {
                        scores[j] = Float.NEGATIVE_INFINITY;
                        continue;
                    }
                    long kBase = (long) j * s.kvStride() + (long) kvh * d;
                    float dot = 0f;
                    for (int t = 0; t < d; t++) {
                        dot += q.getAtIndex(JAVA_FLOAT, qBase + t) * k.getAtIndex(JAVA_FLOAT, kBase + t);
                    }
                    float sc = dot * s.scale();
                    if (s.softcap() > 0) {
                        sc = (float) (s.softcap() * Math.tanh(sc / s.softcap()));
                    }
                    scores[j] = sc;
                    max = Math.max(max, sc);
                }
                if (max == Float.NEGATIVE_INFINITY) {
                    throw new IllegalStateException("query " + qi + " sees no key");
                }
                float sum = 0f;
                for (int j = 0; j < nKv; j++) {
                    float e = scores[j] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(scores[j] - max);
                    scores[j] = e;
                    sum += e;
                }
                float inv = 1f / sum;
                long oBase = (long) i * s.qStride() + (long) h * d;
                for (int t = 0; t < d; t++) {
                    float acc = 0f;
                    for (int j = 0; j < nKv; j++) {
                        if (scores[j] != 0f) {
                            acc += scores[j] * v.getAtIndex(JAVA_FLOAT, (long) j * s.kvStride() + (long) kvh * d + t);
                        }
                    }
                    out.setAtIndex(JAVA_FLOAT, oBase + t, acc * inv);
                }
            }
        }
    }
}
