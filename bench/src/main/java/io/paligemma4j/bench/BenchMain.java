package io.paligemma4j.bench;

import io.paligemma4j.backends.cpu.MachineLimits;
import io.paligemma4j.backends.cpu.Parallel;
import java.util.Collection;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the JMH kernel suite, measures the machine's limits in the same run (memory read
 * bandwidth, FMA peak, same threads and vector width as the kernels), and prints every kernel's
 * GFLOP/s and GB/s as a fraction of the relevant limit. Arguments are JMH's (e.g. a regex).
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        MachineLimits.Limits before = MachineLimits.measure(Parallel.shared(Parallel.defaultThreads()));
        Collection<RunResult> results = new Runner(new OptionsBuilder().parent(new CommandLineOptions(args)).build()).run();
        MachineLimits.Limits after = MachineLimits.measure(Parallel.shared(Parallel.defaultThreads()));
        double bw = Math.max(before.readBytesPerSecond(), after.readBytesPerSecond());
        double atWidth = Math.max(before.fmaFlopsPerSecond(), after.fmaFlopsPerSecond());
        // Fractions of the widest width's peak: a kernel at a narrower width cannot claim the machine's.
        double peak = Math.max(before.widestFmaFlopsPerSecond(), after.widestFmaFlopsPerSecond());
        System.out.printf("%nMachine limits (best of before/after the suite, %d threads): memory read %.1f GB/s, FMA peak "
                        + "%.1f GFLOP/s at the kernels' %d-bit vectors, %.1f GFLOP/s at the widest (%d-bit; 'of peak' below)%n",
                before.threads(), bw / 1e9, atWidth / 1e9, before.vectorBits(), peak / 1e9, before.widestBits());
        System.out.printf("%-40s %12s %10s %8s %10s %8s%n", "benchmark", "ms/op", "GFLOP/s", "of peak", "GB/s", "of bw");
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark().replaceFirst(".*\\.", "");
            double ms = r.getPrimaryResult().getScore();
            String shape = r.getParams().getParam("shape");
            String dtype = r.getParams().getParam("dtype");
            if (shape != null) {
                Shapes s = Shapes.valueOf(shape);
                double gflops = s.flops() / (ms / 1e3) / 1e9;
                double gbs = s.bytes(dtype.equals("F32") ? 4 : 2) / (ms / 1e3) / 1e9;
                System.out.printf("%-40s %12.3f %10.1f %7.0f%% %10.1f %7.0f%%%n", name + " " + shape + " " + dtype, ms,
                        gflops, 100 * gflops * 1e9 / peak, gbs, 100 * gbs * 1e9 / bw);
            } else {
                System.out.printf("%-40s %12.3f%n", name, ms);
            }
        }
    }
}
