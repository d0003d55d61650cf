package io.paligemma4j.backends.cpu;

import io.paligemma4j.loader.DType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Species and loads shared by the Vector API kernels. Weights are little-endian as stored; BF16 and
 * F16 are widened to float in registers (BF16: shift into the high half; F16: exponent rebias
 * with a multiply, which handles subnormals exactly, and a mask for Inf/NaN). Activation loads and
 * stores are written out at each call site with the API's force-inlined calls, never through a
 * helper here: a helper that takes or returns a vector is inlined only while its own compiled code
 * stays under InlineSmallCode, and a JFR run found the GEMM's GeGLU epilogue boxing every vector
 * in steady state behind a one-line store helper (see {@link #expInPlace}).
 */
final class Vec {
    static final VectorSpecies<Float> F = VectorWidth.F;
    static final int L = F.length();
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /**
     * L shorts for the widening loads: a half-width vector, or where no such shape exists (a 64-bit
     * float species; SVE lengths with no half shape) a full-width one read under a mask of L lanes.
     */
    static final boolean HALF = hasShape(F.vectorBitSize() / 2);
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class,
            HALF ? VectorShape.forBitSize(F.vectorBitSize() / 2) : F.vectorShape());
    static final VectorMask<Short> S_LANES = S.indexInRange(0, L);
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private Vec() {}

    private static boolean hasShape(int bits) {
        return bits == 64 || bits == 128 || bits == 256;
    }

    /** L little-endian 16-bit values from element {@code i}, widened to ints (sign-extended). */
    private static IntVector shorts(MemorySegment s, long i) {
        ShortVector h = HALF ? ShortVector.fromMemorySegment(S, s, i * 2, LE)
                : ShortVector.fromMemorySegment(S, s, i * 2, LE, S_LANES);
        return (IntVector) h.convertShape(VectorOperators.S2I, I, 0);
    }

    private static FloatVector f32(MemorySegment s, long i) {
        return FloatVector.fromMemorySegment(F, s, i * 4, LE);
    }

    static FloatVector bf16(MemorySegment s, long i) {
        return shorts(s, i).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    static FloatVector f16(MemorySegment s, long i) {
        IntVector w = shorts(s, i);
        IntVector em = w.and(0x7FFF).lanewise(VectorOperators.LSHL, 13);
        FloatVector finite = em.reinterpretAsFloats().mul(0x1p112f);
        VectorMask<Integer> special = w.and(0x7C00).eq(0x7C00);
        IntVector bits = finite.reinterpretAsInts().blend(em.or(0x7F800000), special);
        return bits.or(w.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    /**
     * Sum of L floats from {@code a[off]} in lane order, for a vector its caller stored there.
     * {@code reduceLanes(ADD)} may add in another order once the JIT intrinsifies it, which would make
     * results depend on warm-up; this keeps runs bit-identical.
     */
    static float sum(float[] a, int off) {
        float s = a[off];
        for (int i = 1; i < L; i++) {
            s += a[off + i];
        }
        return s;
    }

    private static final float LOG2E = 1.44269504f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5·2^23: adding it rounds a float of magnitude below 2^22 to an integer, held in the low mantissa bits. */
    private static final float ROUND = 0x1.8p23f;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);

    /**
     * a[i] = e^{a[i]} for i in [from, to), a whole number of vectors, from IEEE adds, multiplies and
     * fused multiply-adds only (range reduction to [−ln2/2, ln2/2] and a degree-6 Taylor polynomial,
     * ~2 ulp), so interpreted and compiled code agree bit for bit, which the Vector API's own EXP/TANH
     * (SVML once compiled) do not guarantee. k = round(x·log2 e) comes from the 1.5·2^23 trick, as a
     * float and as the integer in its low bits: no float→int conversion, compare or blend, which
     * cost C2 nodes. Arrays in and out, never a vector: a helper that takes or returns one, once C2
     * has compiled it on its own (its code then exceeds InlineSmallCode, "already compiled into a big
     * method", and no later caller inlines it), boxes every vector crossing the call and runs the
     * API's allocating Java fallback around it. Which callers suffer depends on what compiled first;
     * JFR found it in GELU, the GeGLU epilogue and the GEMV's lane sums.
     */
    static void expInPlace(float[] a, int from, int to) {
        FloatVector hi = FloatVector.broadcast(F, -LN2_HI);
        FloatVector lo = FloatVector.broadcast(F, -LN2_LO);
        FloatVector c4 = FloatVector.broadcast(F, 1f / 24);
        FloatVector c3 = FloatVector.broadcast(F, 1f / 6);
        FloatVector c2 = FloatVector.broadcast(F, 0.5f);
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int i = from; i < to; i += L) {
            FloatVector x = FloatVector.fromArray(F, a, i).max(-87.0f).min(88.0f);
            FloatVector rounded = x.fma(LOG2E, ROUND);
            FloatVector kf = rounded.sub(ROUND);
            FloatVector r = kf.fma(hi, x);
            r = kf.fma(lo, r);
            FloatVector p = r.fma(1f / 720, 1f / 120).fma(r, c4).fma(r, c3).fma(r, c2).fma(r, one).fma(r, one);
            IntVector k = rounded.reinterpretAsInts().add(127 - ROUND_BITS);
            p.mul(k.lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats()).intoArray(a, i);
        }
    }

    /**
     * a[i] = cap·tanh(a[i] / cap) for whole vectors in [from, to), with tanh(y) = 1 − 2/(e^{2y} + 1);
     * t is scratch over the same range.
     */
    static void softcapInPlace(float[] a, float[] t, int from, int to, float cap) {
        float twoOverCap = 2f / cap;
        for (int i = from; i < to; i += L) {
            FloatVector.fromArray(F, a, i).mul(twoOverCap).intoArray(t, i);
        }
        expInPlace(t, from, to);
        FloatVector two = FloatVector.broadcast(F, 2f);
        for (int i = from; i < to; i += L) {
            two.div(FloatVector.fromArray(F, t, i).add(1f)).neg().add(1f).mul(cap).intoArray(a, i);
        }
    }

    /** L weights of {@code dtype} starting at element {@code i}, as floats. */
    static FloatVector weight(DType dtype, MemorySegment s, long i) {
        return switch (dtype) {
            case F32 -> f32(s, i);
            case BF16 -> bf16(s, i);
            case F16 -> f16(s, i);
            default -> throw new IllegalArgumentException("not a float weight type: " + dtype);
        };
    }
}
