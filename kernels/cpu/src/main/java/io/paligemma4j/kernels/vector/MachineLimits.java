package io.paligemma4j.kernels.vector;

import static io.paligemma4j.kernels.vector.Vec.F;
import static io.paligemma4j.kernels.vector.Vec.L;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Measures this machine's limits with the same threads and vector width the kernels use, so that
 * kernel figures can be reported as fractions of them: memory read bandwidth (all threads streaming
 * a buffer far larger than the caches) and FMA peak (all threads issuing independent vector FMAs
 * from registers). Best of several repetitions; call within the same run as the kernels compared.
 */
public final class MachineLimits {
    /** Measured figures: bytes/s read from memory, float FLOP/s (an FMA counts as 2). */
    public record Limits(double readBytesPerSecond, double fmaFlopsPerSecond, int threads, int vectorBits) {}

    private MachineLimits() {}

    public static Limits measure(Parallel par) {
        // A first, discarded round lets the JIT compile the loops.
        readBandwidth(par, 1L << 26, 3);
        fmaPeak(par, 3);
        return new Limits(readBandwidth(par, 1L << 30, 5), fmaPeak(par, 5), par.threads(), F.vectorBitSize());
    }

    /** Bytes/s for all threads summing {@code bytes} of native memory; best of {@code reps}. */
    public static double readBandwidth(Parallel par, long bytes, int reps) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(bytes, 64);
            buf.fill((byte) 1);
            long floats = bytes / 4;
            int chunks = par.threads() * 64;
            long per = floats / chunks / L * L;
            double best = 0;
            float[] sink = new float[chunks];
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                par.forRange(chunks, 1, (s, e) -> {
                    for (int c = s; c < e; c++) {
                        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                        long base = c * per;
                        for (long i = 0; i < per; i += 4L * L) {
                            a0 = a0.add(Vec.act(buf, base + i));
                            a1 = a1.add(Vec.act(buf, base + i + L));
                            a2 = a2.add(Vec.act(buf, base + i + 2L * L));
                            a3 = a3.add(Vec.act(buf, base + i + 3L * L));
                        }
                        sink[c] = Vec.sum(a0.add(a1).add(a2).add(a3));
                    }
                });
                long dt = System.nanoTime() - t0;
                best = Math.max(best, per * chunks * 4.0 / (dt / 1e9));
            }
            if (Float.isNaN(sink[0])) {
                throw new AssertionError("unreachable: keeps the sums alive");
            }
            return best;
        }
    }

    /** FLOP/s for all threads running 12 independent FMA chains in registers; best of {@code reps}. */
    public static double fmaPeak(Parallel par, int reps) {
        int tasks = par.threads();
        long iters = 20_000_000L;
        double best = 0;
        float[] sink = new float[tasks];
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            par.forRange(tasks, 1, (s, e) -> {
                for (int t = s; t < e; t++) {
                    FloatVector m = FloatVector.broadcast(F, 0.999999f);
                    FloatVector c = FloatVector.broadcast(F, 1e-7f);
                    FloatVector a0 = FloatVector.broadcast(F, 1f), a1 = a0.add(1), a2 = a0.add(2), a3 = a0.add(3);
                    FloatVector a4 = a0.add(4), a5 = a0.add(5), a6 = a0.add(6), a7 = a0.add(7);
                    FloatVector a8 = a0.add(8), a9 = a0.add(9), a10 = a0.add(10), a11 = a0.add(11);
                    for (long i = 0; i < iters; i++) {
                        a0 = a0.fma(m, c); a1 = a1.fma(m, c); a2 = a2.fma(m, c); a3 = a3.fma(m, c);
                        a4 = a4.fma(m, c); a5 = a5.fma(m, c); a6 = a6.fma(m, c); a7 = a7.fma(m, c);
                        a8 = a8.fma(m, c); a9 = a9.fma(m, c); a10 = a10.fma(m, c); a11 = a11.fma(m, c);
                    }
                    sink[t] = Vec.sum(a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9)
                            .add(a10).add(a11));
                }
            });
            long dt = System.nanoTime() - t0;
            best = Math.max(best, tasks * iters * 12.0 * L * 2 / (dt / 1e9));
        }
        if (Float.isNaN(sink[0])) {
            throw new AssertionError("unreachable: keeps the sums alive");
        }
        return best;
    }

}
