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
    /** Floats per block of {@link #inBlocks}: two scratch arrays well inside L1. */
    private static final int BLOCK = 1024;

    /**
     * a[i] = gelu_tanh(a[i]) for whole vectors in [from, to); t is scratch over the same range.
     * 0.5·x·(1 + tanh u) is computed as x / (1 + e^{−2u}), the same function in fewer operations,
     * with the exponential in its own pass ({@link Vec#expInPlace}, which says why arrays).
     */
    static void geluInPlace(float[] a, float[] t, int from, int to) {
        for (int i = from; i < to; i += L) {
            FloatVector x = FloatVector.fromArray(F, a, i);
            x.mul(x).fma(A, B).mul(x).intoArray(t, i);
        }
        Vec.expInPlace(t, from, to);
        for (int i = from; i < to; i += L) {
            FloatVector.fromArray(F, a, i).div(FloatVector.fromArray(F, t, i).add(1f)).intoArray(a, i);
        }
    }

    /**
     * g[i] = gelu_tanh(g[i])·u[i] for whole vectors in [from, to); t is scratch. Every element takes
     * the vector path, so a result's bits do not depend on where a block or a thread's range ends.
     */
    static void gegluInPlace(float[] g, float[] u, float[] t, int from, int to) {
        geluInPlace(g, t, from, to);
        for (int i = from; i < to; i += L) {
            FloatVector.fromArray(F, g, i).mul(FloatVector.fromArray(F, u, i)).intoArray(g, i);
        }
    }

    static void geluTanh(Parallel par, MemorySegment x, long n) {
        inBlocks(par, x, n, (a, t, whole) -> geluInPlace(a, t, 0, whole), Activations::gelu);
    }

    /** An in-place op on a block's whole vectors, a[0, whole), with t as scratch. */
    interface BlockOp {
        void apply(float[] a, float[] t, int whole);
    }

    /**
     * x[i] = f(x[i]) over [0, n): each block copied through L1 scratch and its whole vectors done by
     * {@code vector} (the array-based kernels, see {@link Vec#expInPlace}), the rest by {@code scalar}.
     */
    static void inBlocks(Parallel par, MemorySegment x, long n, BlockOp vector, FloatUnaryOperator scalar) {
        forChunks(par, n, (s, e) -> {
            float[] a = Scratch.floats(Scratch.ACT, BLOCK);
            float[] t = Scratch.floats(Scratch.TMP, BLOCK);
            for (long b = s; b < e; b += BLOCK) {
                int len = (int) Math.min(BLOCK, e - b);
                int whole = len / L * L;
                MemorySegment.copy(x, JAVA_FLOAT, b * Float.BYTES, a, 0, whole);
                vector.apply(a, t, whole);
                MemorySegment.copy(a, 0, x, JAVA_FLOAT, b * Float.BYTES, whole);
                for (long i = b + whole; i < b + len; i++) {
                    x.setAtIndex(JAVA_FLOAT, i, scalar.apply(x.getAtIndex(JAVA_FLOAT, i)));
                }
            }
        });
    }

    /** A float function, unboxed. */
    interface FloatUnaryOperator {
        float apply(float v);
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
