package io.paligemma4j.kernels.vector;

import static io.paligemma4j.kernels.vector.Vec.L;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Residual add and softmax (contracts: {@link io.paligemma4j.kernels.ref.Elementwise}). */
final class VectorElementwise {
    private VectorElementwise() {}

    static void add(Parallel par, MemorySegment acc, MemorySegment x, long n) {
        VectorActivations.forChunks(par, n, (s, e) -> {
            long i = s;
            for (; i + L <= e; i += L) {
                Vec.store(Vec.act(acc, i).add(Vec.act(x, i)), acc, i);
            }
            for (; i < e; i++) {
                acc.setAtIndex(JAVA_FLOAT, i, acc.getAtIndex(JAVA_FLOAT, i) + x.getAtIndex(JAVA_FLOAT, i));
            }
        });
    }

    static void softmax(MemorySegment x, int n) {
        FloatVector mv = FloatVector.broadcast(Vec.F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i + L <= n; i += L) {
            mv = mv.max(Vec.act(x, i));
        }
        float max = mv.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, x.getAtIndex(JAVA_FLOAT, i));
        }
        FloatVector sv = FloatVector.zero(Vec.F);
        i = 0;
        for (; i + L <= n; i += L) {
            FloatVector e = Vec.exp(Vec.act(x, i).sub(max));
            Vec.store(e, x, i);
            sv = sv.add(e);
        }
        float sum = Vec.sum(sv);
        for (; i < n; i++) {
            float e = (float) Math.exp(x.getAtIndex(JAVA_FLOAT, i) - max);
            x.setAtIndex(JAVA_FLOAT, i, e);
            sum += e;
        }
        float inv = 1f / sum;
        i = 0;
        for (; i + L <= n; i += L) {
            Vec.store(Vec.act(x, i).mul(inv), x, i);
        }
        for (; i < n; i++) {
            x.setAtIndex(JAVA_FLOAT, i, x.getAtIndex(JAVA_FLOAT, i) * inv);
        }
    }
}
