package io.paligemma4j.backends.cpu;

import static io.paligemma4j.backends.cpu.Vec.F;
import static io.paligemma4j.backends.cpu.Vec.L;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Measures this machine's limits with the same threads the kernels use, so that kernel figures can
 * be reported as fractions of them: memory read bandwidth (every thread streaming its own part of a
 * buffer far larger than the caches) and FMA peak (every thread issuing independent vector FMAs from
 * registers), at the kernels' vector width and at the widest width the hardware has. Best of several
 * repetitions; call within the same run as the kernels compared.
 *
 * <p>Both loops are written as a C compiler would compile the native probe: the FMA in accumulator
 * form ({@code acc = m·c + acc}, one {@code vfmadd231ps} each; the form {@code acc = acc·m + c}
 * needs a register copy per FMA from C2 and measured 20 % lower), and the read loop over one
 * contiguous range per thread with four independent sums (slicing it into blocks measured slower).
 */
public final class MachineLimits {
    /**
     * Measured figures: bytes/s read from memory; float FLOP/s (an FMA counts as 2) at the kernels'
     * width ({@code vectorBits}) and at the widest width this machine's JVM compiles
     * ({@code widestBits}; equal to the former when the kernels use the widest).
     */
    public record Limits(double readBytesPerSecond, double fmaFlopsPerSecond, int threads, int vectorBits,
                         double widestFmaFlopsPerSecond, int widestBits) {
        /**
         * The better of two measurements of the same machine, limit by limit: a probe that ran while
         * the machine was busy (a neighbour, the JIT compiling) would make every fraction flattering.
         */
        public Limits best(Limits other) {
            return new Limits(Math.max(readBytesPerSecond, other.readBytesPerSecond),
                    Math.max(fmaFlopsPerSecond, other.fmaFlopsPerSecond), threads, vectorBits,
                    Math.max(widestFmaFlopsPerSecond, other.widestFmaFlopsPerSecond), widestBits);
        }
    }

    private static final int BLOCK = 4096;

    private MachineLimits() {}

    public static Limits measure(Parallel par) {
        warmUp();
        double bw = readBandwidth(par, 1L << 30, 5);
        double fma = fmaPeak(par, 5);
        double widest = fma;
        int widestBits = F.vectorBitSize();
        if (!atWidest()) {
            double[] w = widestInChildJvm(par.threads());
            widest = w[0];
            widestBits = (int) w[1];
        }
        return new Limits(bw, fma, par.threads(), F.vectorBitSize(), widest, widestBits);
    }

    /**
     * True when this JVM's kernels already run at the hardware's widest width: no width was forced
     * and -XX:MaxVectorSize does not cap the JVM. Otherwise a child JVM without either measures it.
     */
    static boolean atWidest() {
        String forced = System.getProperty(VectorWidth.PROPERTY);
        if (forced != null && !forced.isBlank()) {
            return false;
        }
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .noneMatch(a -> a.startsWith("-XX:MaxVectorSize") || a.startsWith("-XX:UseAVX"));
    }

    /** {FLOP/s, bits} from a child JVM at its preferred width; throws if it cannot be run. */
    private static double[] widestInChildJvm(int threads) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "--add-modules", "jdk.incubator.vector",
                "-Dpaligemma.threads=" + threads, "-cp", System.getProperty("java.class.path"),
                MachineLimits.class.getName()));
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("the FMA probe at the widest width failed: " + out);
            }
            String[] f = out.split("\\s+");
            return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1])};
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a JVM for the FMA probe at the widest width: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Compiles both loops with C2 on short calls first: a first long call would run for seconds in
     * the interpreter, where every Vector API operation takes its slow Java fallback.
     */
    private static void warmUp() {
        float s = 0;
        for (int i = 0; i < 400; i++) {
            s += fmaChains(20_000);
        }
        // A shared arena, as the measurement uses: a confined one would train C2 on another session type.
        try (Arena arena = Arena.ofShared()) {
            MemorySegment small = arena.allocate(64L * BLOCK * 4, 64);
            for (int i = 0; i < 400; i++) {
                s += sumBlocks(small, 0, 64);
            }
        }
        if (Float.isNaN(s)) {
            throw new AssertionError("unreachable: keeps the sums alive");
        }
    }

    /** Child-JVM entry: prints "FLOP/s bits" for the FMA peak at this JVM's width. */
    public static void main(String[] args) {
        Parallel par = new Parallel(Parallel.defaultThreads());
        warmUp();
        System.out.println(fmaPeak(par, 5) + " " + F.vectorBitSize());
    }

    /** Bytes/s for all threads summing {@code bytes} of native memory; best of {@code reps}. */
    public static double readBandwidth(Parallel par, long bytes, int reps) {
        try (Arena arena = Arena.ofShared()) {
            int threads = par.threads();
            long blocks = bytes / 4 / BLOCK / threads * threads;
            MemorySegment buf = arena.allocate(blocks * BLOCK * 4, 64);
            // Each thread touches its own range first, as it will read it.
            par.forRange(threads, 1, (s, e) -> {
                for (int t = s; t < e; t++) {
                    buf.asSlice(t * (blocks / threads) * BLOCK * 4, blocks / threads * BLOCK * 4).fill((byte) 1);
                }
            });
            double best = 0;
            float[] sink = new float[threads];
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                par.forRange(threads, 1, (s, e) -> {
                    for (int t = s; t < e; t++) {
                        sink[t] = sumBlocks(buf, t * (blocks / threads), blocks / threads);
                    }
                });
                long dt = System.nanoTime() - t0;
                best = Math.max(best, blocks * BLOCK * 4.0 / (dt / 1e9));
            }
            if (Float.isNaN(sink[0])) {
                throw new AssertionError("unreachable: keeps the sums alive");
            }
            return best;
        }
    }

    /** Sums blocks [first, first + count) as one flat range: slicing per block measured 5–15 % slower. */
    private static float sumBlocks(MemorySegment buf, long first, long count) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long base = first * BLOCK;
        long n = count * BLOCK / (4L * L) * (4L * L);
        for (long i = 0; i < n; i += 4L * L) {
            long at = (base + i) * 4;
            a0 = a0.add(FloatVector.fromMemorySegment(F, buf, at, Vec.NATIVE));
            a1 = a1.add(FloatVector.fromMemorySegment(F, buf, at + 4L * L, Vec.NATIVE));
            a2 = a2.add(FloatVector.fromMemorySegment(F, buf, at + 8L * L, Vec.NATIVE));
            a3 = a3.add(FloatVector.fromMemorySegment(F, buf, at + 12L * L, Vec.NATIVE));
        }
        float s = a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
        // A width whose 4·L does not divide the range (SVE lengths) leaves a tail.
        for (long i = n; i < count * BLOCK; i++) {
            s += buf.getAtIndex(JAVA_FLOAT, base + i);
        }
        return s;
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
                    sink[t] = fmaChains(iters);
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

    private static float fmaChains(long iters) {
        FloatVector m = FloatVector.broadcast(F, 0.999999f);
        FloatVector c = FloatVector.broadcast(F, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(F, 1f), a1 = a0.add(1), a2 = a0.add(2), a3 = a0.add(3);
        FloatVector a4 = a0.add(4), a5 = a0.add(5), a6 = a0.add(6), a7 = a0.add(7);
        FloatVector a8 = a0.add(8), a9 = a0.add(9), a10 = a0.add(10), a11 = a0.add(11);
        for (long i = 0; i < iters; i++) {
            a0 = m.fma(c, a0); a1 = m.fma(c, a1); a2 = m.fma(c, a2); a3 = m.fma(c, a3);
            a4 = m.fma(c, a4); a5 = m.fma(c, a5); a6 = m.fma(c, a6); a7 = m.fma(c, a7);
            a8 = m.fma(c, a8); a9 = m.fma(c, a9); a10 = m.fma(c, a10); a11 = m.fma(c, a11);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }
}
