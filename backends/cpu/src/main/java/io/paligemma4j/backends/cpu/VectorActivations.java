package io.paligemma4j.backends.cpu;

import static io.paligemma4j.backends.cpu.Vec.F;
import static io.paligemma4j.backends.cpu.Vec.L;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import io.paligemma4j.kernels.ref.Activations;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** GELU-tanh (contract: {@link io.paligemma4j.kernels.ref.Activations}); GeGLU is fused into the gate/up matmuls. */
final class VectorActivations {
    private static final float C = (float) Math.sqrt(2.0 / Math.PI);
    private static final int GRAIN = 4096;

    private VectorActivations() {}

    /** −2·√(2/π)·0.044715 and −2·√(2/π): −2u = x·(A·x² + B) for GELU's u = √(2/π)·(x + 0.044715·x³). */
    private static final float A = -2 * C * 0.044715f, B = -2 * C;

    /**
     * 0.5·x·(1 + tanh u) written as x / (1 + e^{−2u}), the same function in fewer operations: the
     * longer form kept GELU's loops over C2's inlining node budget (see {@link Vec#exp}).
     */
    static FloatVector gelu(FloatVector x) {
        FloatVector minus2u = x.mul(x).fma(A, B).mul(x);
        return x.div(Vec.exp(minus2u).add(1f));
    }

    static void geluTanh(Parallel par, MemorySegment x, long n) {
        forChunks(par, n, (s, e) -> {
            long i = s;
            for (; i + L <= e; i += L) {
                Vec.store(gelu(Vec.act(x, i)), x, i);
            }
            for (; i < e; i++) {
                x.setAtIndex(JAVA_FLOAT, i, Activations.gelu(x.getAtIndex(JAVA_FLOAT, i)));
            }
        });
    }

    /** Element ranges [s, e) in units of {@value #GRAIN}, split across threads. */
    interface LongRange {
        void run(long start, long end);
    }

    static void forChunks(Parallel par, long n, LongRange body) {
        long chunks = (n + GRAIN - 1) / GRAIN;
        par.forRange((int) chunks, 4, (cs, ce) -> body.run(cs * (long) GRAIN, Math.min(n, ce * (long) GRAIN)));
    }

}
