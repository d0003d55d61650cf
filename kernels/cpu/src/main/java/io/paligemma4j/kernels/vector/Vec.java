package io.paligemma4j.kernels.vector;

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
 * with a multiply, which handles subnormals exactly, and a mask for Inf/NaN).
 */
final class Vec {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private Vec() {}

    /** L float32 activations starting at element {@code i}. */
    static FloatVector act(MemorySegment s, long i) {
        return FloatVector.fromMemorySegment(F, s, i * 4, NATIVE);
    }

    static void store(FloatVector v, MemorySegment s, long i) {
        v.intoMemorySegment(s, i * 4, NATIVE);
    }

    static FloatVector f32(MemorySegment s, long i) {
        return FloatVector.fromMemorySegment(F, s, i * 4, LE);
    }

    static FloatVector bf16(MemorySegment s, long i) {
        ShortVector h = ShortVector.fromMemorySegment(S, s, i * 2, LE);
        IntVector w = (IntVector) h.convertShape(VectorOperators.S2I, I, 0);
        return w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    static FloatVector f16(MemorySegment s, long i) {
        ShortVector h = ShortVector.fromMemorySegment(S, s, i * 2, LE);
        IntVector w = (IntVector) h.convertShape(VectorOperators.S2I, I, 0);
        IntVector em = w.and(0x7FFF).lanewise(VectorOperators.LSHL, 13);
        FloatVector finite = em.reinterpretAsFloats().mul(0x1p112f);
        VectorMask<Integer> special = w.and(0x7C00).eq(0x7C00);
        IntVector bits = finite.reinterpretAsInts().blend(em.or(0x7F800000), special);
        return bits.or(w.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
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
