package io.paligemma4j.kernels.tornado;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma4j.loader.DType;
import io.paligemma4j.loader.SafetensorsWriter;
import io.paligemma4j.loader.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/** Random inputs, reference-side segments and comparison helpers shared by the parity tests. */
abstract class ParityBase {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;
    static final double U = 0x1p-24;
    final Arena arena = Arena.ofShared();
    final Random rnd = new Random(7);

    @AfterEach
    void closeArena() {
        arena.close();
    }

    static KernelContext ctx() {
        return new KernelContext();
    }

    float[] random(int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextGaussian() * scale);
        }
        return v;
    }

    MemorySegment seg(float[] v) {
        MemorySegment s = arena.allocate(F32, Math.max(1, v.length));
        MemorySegment.copy(v, 0, s, F32, 0, v.length);
        return s;
    }

    MemorySegment zeros(long n) {
        return arena.allocate(F32, Math.max(1, n));
    }

    Tensor tensor(DType dt, float[] v, long... shape) {
        MemorySegment s = arena.allocate(dt.byteSize(v.length), 8);
        SafetensorsWriter.encode(dt, v, s);
        return new Tensor("t", dt, shape, s, "test");
    }

    static float[] arr(MemorySegment s, long n) {
        return s.asSlice(0, n * 4).toArray(F32);
    }

    static double gamma(int n) {
        return n * U / (1 - n * U);
    }

    /** A step array for a pass of {@code rows} rows starting at {@code start}. */
    static IntArray step(int rows, int start, int prefix) {
        IntArray s = new IntArray(Step.size(Math.max(1, rows)));
        s.init(0);
        s.set(Step.ROWS, rows);
        s.set(Step.START, start);
        s.set(Step.PREFIX, prefix);
        return s;
    }

    /** max |a−b| ≤ rel · max(1, max |a|). */
    static void assertClose(float[] want, float[] got, double rel, String what) {
        double scale = 1;
        for (float x : want) {
            scale = Math.max(scale, Math.abs(x));
        }
        for (int i = 0; i < want.length; i++) {
            double d = Math.abs(want[i] - got[i]);
            assertTrue(d <= rel * scale, what + " at " + i + ": " + got[i] + " vs " + want[i]);
        }
    }
}
