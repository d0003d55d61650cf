package io.paligemma4j.backends.tornado;

import static io.paligemma4j.backends.tornado.DeviceRun.TASK;
import static io.paligemma4j.backends.tornado.DeviceRun.in;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma4j.loader.Tensor;
import org.junit.jupiter.api.Test;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/** The in-kernel weight decoding is exact for every one of the 65,536 BF16 and F16 bit patterns. */
class Weights16Test extends ParityBase {
    public static void decodeAll(KernelContext c, ShortArray w, FloatArray pow2, FloatArray out, int format, int n) {
        int i = c.globalIdx;
        if (i < n) {
            out.set(i, Weights16.load(w, i, format, pow2));
        }
    }

    @Test
    void everyBitPatternDecodesExactly() {
        ShortArray all = new ShortArray(65536);
        for (int i = 0; i < 65536; i++) {
            all.set(i, (short) i);
        }
        FloatArray pow2 = Weights16.powersOfTwo();
        for (int format : new int[] {Weights16.BF16, Weights16.F16}) {
            FloatArray out = new FloatArray(65536);
            DeviceRun.run(t -> t.task(TASK, Weights16Test::decodeAll, ctx(), all, pow2, out, format, 65536),
                    (gr, name) -> gr.elementwise(name, TASK, 65536), in(all, pow2), out);
            for (int i = 0; i < 65536; i++) {
                float want = format == Weights16.BF16 ? Tensor.bf16ToFloat((short) i) : Float.float16ToFloat((short) i);
                float got = out.get(i);
                if (Float.isNaN(want)) {
                    assertTrue(Float.isNaN(got), "format " + format + " bits " + Integer.toHexString(i) + " must be NaN");
                } else {
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got),
                            "format " + format + " bits " + Integer.toHexString(i) + ": " + got + " vs " + want);
                }
            }
        }
    }

    @Test
    void float32BitsDecodeExactly() {
        float[] vals = {0f, -0f, 1f, -2.5f, Float.MIN_VALUE, -Float.MIN_NORMAL, 3.4e38f, 1e-40f,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 0.1f, (float) Math.PI};
        ShortArray bits = new ShortArray(2 * vals.length);
        for (int i = 0; i < vals.length; i++) {
            int b = Float.floatToRawIntBits(vals[i]);
            bits.set(2 * i, (short) b);
            bits.set(2 * i + 1, (short) (b >>> 16));
        }
        FloatArray pow2 = Weights16.powersOfTwo();
        FloatArray out = new FloatArray(vals.length);
        int n = vals.length;
        DeviceRun.run(t -> t.task(TASK, Weights16Test::decodeAll, ctx(), bits, pow2, out, Weights16.F32, n),
                (gr, name) -> gr.elementwise(name, TASK, n), in(bits, pow2), out);
        for (int i = 0; i < n; i++) {
            if (Float.isNaN(vals[i])) {
                assertTrue(Float.isNaN(out.get(i)));
            } else {
                assertEquals(Float.floatToRawIntBits(vals[i]), Float.floatToRawIntBits(out.get(i)), "value " + vals[i]);
            }
        }
    }
}
