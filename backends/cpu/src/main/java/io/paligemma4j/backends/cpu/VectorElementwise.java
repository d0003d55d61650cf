package io.paligemma4j.backends.cpu;

import static io.paligemma4j.backends.cpu.Vec.F;
import static io.paligemma4j.backends.cpu.Vec.L;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/** Residual add and soft-cap (contracts: {@link io.paligemma4j.kernels.ref.Elementwise}). */
final class VectorElementwise {
    private VectorElementwise() {}

    static void add(Parallel par, MemorySegment acc, MemorySegment x, long n) {
        VectorActivations.forChunks(par, n, (s, e) -> {
            long i = s;
            for (; i + L <= e; i += L) {
                FloatVector sum = FloatVector.fromMemorySegment(F, acc, i * 4, Vec.NATIVE)
                        .add(FloatVector.fromMemorySegment(F, x, i * 4, Vec.NATIVE));
                sum.intoMemorySegment(acc, i * 4, Vec.NATIVE);
            }
            for (; i < e; i++) {
                acc.setAtIndex(JAVA_FLOAT, i, acc.getAtIndex(JAVA_FLOAT, i) + x.getAtIndex(JAVA_FLOAT, i));
            }
        });
    }

    static void softcap(Parallel par, MemorySegment x, long n, float cap) {
        VectorActivations.inBlocks(par, x, n, (a, t, whole) -> Vec.softcapInPlace(a, t, 0, whole, cap),
                v -> (float) (cap * Math.tanh(v / cap)));
    }
}
