package io.paligemma4j.bench;

import io.paligemma4j.loader.DType;
import io.paligemma4j.loader.SafetensorsWriter;
import io.paligemma4j.loader.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/** Native buffers of random values for the benchmarks. */
final class Buffers {
    private Buffers() {}

    static MemorySegment activations(Arena arena, long n, long seed) {
        MemorySegment s = arena.allocate(ValueLayout.JAVA_FLOAT, Math.max(1, n));
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < n; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (r.nextDouble() * 2 - 1));
        }
        return s;
    }

    static Tensor weights(Arena arena, DType dt, long rows, long cols, long seed) {
        long n = rows * cols;
        MemorySegment s = arena.allocate(dt.byteSize(n), 64);
        SplittableRandom r = new SplittableRandom(seed);
        float[] chunk = new float[1 << 16];
        for (long i = 0; i < n; i += chunk.length) {
            int len = (int) Math.min(chunk.length, n - i);
            for (int j = 0; j < len; j++) {
                chunk[j] = (float) ((r.nextDouble() * 2 - 1) * 0.05);
            }
            long off = i * (dt.bits() / 8);
            SafetensorsWriter.encode(dt, len == chunk.length ? chunk : java.util.Arrays.copyOf(chunk, len),
                    s.asSlice(off, dt.byteSize(len)));
        }
        return new Tensor("w", dt, new long[] {rows, cols}, s, "bench");
    }
}
