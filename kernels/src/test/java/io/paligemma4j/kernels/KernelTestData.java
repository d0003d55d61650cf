package io.paligemma4j.kernels;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma4j.loader.DType;
import io.paligemma4j.loader.SafetensorsWriter;
import io.paligemma4j.loader.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;

/**
 * Seeded random inputs, reference-side segments and the comparison helpers every backend's parity
 * tests share (published in this module's test jar).
 */
public abstract class KernelTestData {
    /** Unit roundoff of float32. */
    public static final double U = 0x1p-24;
    protected final Arena arena = Arena.ofShared();
    protected final Random rnd;

    protected KernelTestData(long seed) {
        rnd = new Random(seed);
    }

    @AfterEach
    void closeArena() {
        arena.close();
    }

    protected float[] random(int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextGaussian() * scale);
        }
        return v;
    }

    protected MemorySegment seg(float[] v) {
        MemorySegment s = arena.allocate(JAVA_FLOAT, Math.max(1, v.length));
        MemorySegment.copy(v, 0, s, JAVA_FLOAT, 0, v.length);
        return s;
    }

    protected MemorySegment zeros(long n) {
        return arena.allocate(JAVA_FLOAT, Math.max(1, n));
    }

    /** A tensor holding v rounded to dt, as a checkpoint would store it. */
    protected Tensor tensor(DType dt, float[] v, long... shape) {
        MemorySegment s = arena.allocate(dt.byteSize(v.length), 8);
        SafetensorsWriter.encode(dt, v, s);
        return new Tensor("t", dt, shape, s, "test");
    }

    public static float[] arr(MemorySegment s, long n) {
        return s.asSlice(0, n * 4).toArray(JAVA_FLOAT);
    }

    /** γ_n = n·u/(1 − n·u): the relative error bound of an n-term float32 sum. */
    public static double gamma(int n) {
        return n * U / (1 - n * U);
    }

    /** max |want − got| ≤ rel · max(1, max |want|). */
    public static void assertClose(float[] want, float[] got, double rel, String what) {
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
