package io.paligemma4j.loader;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One tensor of a checkpoint: a slice of a memory-mapped file (or any segment), read as stored.
 * Contract: row-major, little-endian, {@code data.byteSize() == dtype.byteSize(numel)}.
 */
public record Tensor(String name, DType dtype, long[] shape, MemorySegment data, String source) {

    public static final ValueLayout.OfFloat F32_LE =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfShort I16_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public Tensor {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int i) {
        return shape[i];
    }

    public long numel() {
        return numel(shape);
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Element {@code i} decoded to float; exact for F32, F16 and BF16. */
    public float getFloat(long i) {
        return switch (dtype) {
            case F32 -> data.get(F32_LE, i * 4);
            case BF16 -> bf16ToFloat(data.get(I16_LE, i * 2));
            case F16 -> Float.float16ToFloat(data.get(I16_LE, i * 2));
            default -> throw new BadInputException(
                    "tensor " + name + " has dtype " + dtype + "; weights must be F32, F16 or BF16");
        };
    }

    /** Fails with the tensor's name unless its dtype is one the kernels read as a weight. */
    public Tensor requireFloatWeight() {
        if (!dtype.isFloatWeight()) {
            throw new BadInputException("tensor " + name + " in " + source + " has dtype " + dtype
                    + ", which paligemma4j does not support as a weight (F32, F16 or BF16)");
        }
        return this;
    }

    /** Fails with the tensor's name unless its shape is exactly {@code expected}. */
    public Tensor requireShape(long... expected) {
        if (!Arrays.equals(shape, expected)) {
            throw new BadInputException("tensor " + name + " in " + source + " has shape "
                    + Arrays.toString(shape) + " but the config implies " + Arrays.toString(expected));
        }
        return this;
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Round-to-nearest-even float → bf16, NaN kept quiet (the conversion PyTorch does). */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** A float rounded to the precision of {@code dtype} (F32, F16 or BF16). */
    public static float roundTo(DType dtype, float f) {
        return switch (dtype) {
            case F32 -> f;
            case BF16 -> bf16ToFloat(floatToBf16(f));
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(f));
            default -> throw new IllegalArgumentException("not a float weight type: " + dtype);
        };
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
