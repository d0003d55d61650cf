package io.paligemma4j.backends.tornado;

import io.paligemma4j.loader.DType;
import io.paligemma4j.loader.Tensor;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * Matrix weights live on the device as stored: a {@link ShortArray} of raw bits (BF16, F16, or
 * F32 as two little-endian halves) decoded in the kernel with integer arithmetic and a 256-entry
 * power-of-two table. The OpenCL backend cannot compile {@code Float.intBitsToFloat}, and PoCL
 * has no {@code half}; this decoding is exact on every device (the mantissa times a power of two
 * is representable), including subnormals, infinities and NaN.
 */
public final class Weights16 {
    public static final int BF16 = 0;
    public static final int F16 = 1;
    public static final int F32 = 2;

    private Weights16() {}

    /** One matrix on the device: its bits and format. */
    public record Matrix(ShortArray bits, int format, long rows, long cols) {}

    public static int format(DType d) {
        return switch (d) {
            case BF16 -> BF16;
            case F16 -> F16;
            case F32 -> F32;
            default -> throw new IllegalArgumentException("dtype " + d + " is not a float weight");
        };
    }

    /** A [rows, cols] weight's bits as a TornadoVM array: mapped from its file where possible, else copied. */
    static Matrix upload(Tensor t, PrivateMaps maps) {
        if (t.rank() < 2) {
            throw new IllegalArgumentException(t.name() + " is not a matrix");
        }
        long cols = t.numel() / t.dim(0);
        long shorts = t.data().byteSize() / 2;
        if (shorts > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(t.name() + " holds " + shorts + " 16-bit words; TornadoVM arrays stop at 2^31");
        }
        return new Matrix(maps.bits(t), format(t.dtype()), t.dim(0), cols);
    }

    /** A copy of a weight's bits (tests and benchmarks, whose tensors have no file). */
    public static Matrix upload(Tensor t) {
        return upload(t, new PrivateMaps(null));
    }

    /** 2^(i − 127) for biased exponents 1..254; [0] = 2^-126 (subnormal scale), [255] = +Inf. */
    public static FloatArray powersOfTwo() {
        FloatArray p = new FloatArray(256);
        for (int i = 1; i < 255; i++) {
            p.set(i, Math.scalb(1f, i - 127));
        }
        p.set(0, Math.scalb(1f, -126));
        p.set(255, Float.POSITIVE_INFINITY);
        return p;
    }

    /**
     * Element {@code i} of a weight matrix as float, exactly. Inlined into every kernel that reads
     * weights; one return and no loop, the helper shape TornadoVM's CUDA backend compiles correctly
     * (its issues #930 and #931 miscompile early returns and loops in both arms of an inlined if).
     */
    public static float load(ShortArray w, int i, int format, FloatArray pow2) {
        float v;
        if (format == F32) {
            int lo = w.get(2 * i) & 0xFFFF;
            int hi = w.get(2 * i + 1) & 0xFFFF;
            v = compose(hi >> 15, (hi >> 7) & 0xFF, 255, ((hi & 0x7F) << 16) | lo, 0x1p-23f, pow2, 0);
        } else {
            int b = w.get(i) & 0xFFFF;
            if (format == BF16) {
                v = compose(b >> 15, (b >> 7) & 0xFF, 255, b & 0x7F, 0x1p-7f, pow2, 0);
            } else {
                v = compose(b >> 15, (b >> 10) & 0x1F, 31, b & 0x3FF, 0x1p-10f, pow2, 112);
            }
        }
        return v;
    }

    /**
     * sign·2^(e − bias)·(1 + m·ulp) for normal e, sign·2^(1 − bias)·m·ulp for e = 0, ±Inf or NaN
     * for e = eMax; {@code rebias} moves the format's exponent onto the float table. One table read
     * and one multiply-add on every path (the compiler turns the small ifs into selects): decoding
     * sits in every matmul's inner loop.
     */
    private static float compose(int sign, int e, int eMax, int m, float ulp, FloatArray pow2, int rebias) {
        int idx = e + rebias;
        float lead = 1f;
        if (e == 0) {
            idx = rebias == 0 ? 0 : 1 + rebias;
            lead = 0f;
        }
        if (e == eMax) {
            idx = 255;
        }
        float mag = pow2.get(idx) * (lead + m * ulp);
        if (e == eMax && m != 0) {
            mag = mag - mag;
        }
        // A multiply, not a branch, for the sign: random signs would defeat branch prediction on CPU devices.
        return mag * (1 - 2 * sign);
    }
}
