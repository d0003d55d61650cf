package io.paligemma4j.loader;

import java.util.Locale;

/**
 * Element types a safetensors header may name. All are recognised so that a checkpoint holding,
 * say, an I64 buffer still parses; only {@link #isFloatWeight() F32, F16 and BF16} can be used as
 * model weights, and asking for another one as a weight fails with its name.
 */
public enum DType {
    BOOL(8), U8(8), I8(8), F8_E5M2(8), F8_E4M3(8), F8_E8M0(8), I16(16), U16(16), F16(16), BF16(16),
    I32(32), U32(32), F32(32), F64(64), I64(64), U64(64), C64(64), F4(4), F6_E2M3(6), F6_E3M2(6);

    private final int bits;

    DType(int bits) {
        this.bits = bits;
    }

    public int bits() {
        return bits;
    }

    /** Byte size of a tensor of {@code numel} elements; sub-byte types are packed. */
    public long byteSize(long numel) {
        long totalBits = Math.multiplyExact(numel, (long) bits);
        return (totalBits + 7) / 8;
    }

    public boolean isFloatWeight() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** Parses a safetensors dtype string; null when the name is not one safetensors defines. */
    public static DType parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
