package io.paligemma4j.backends.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * A fork-join pool of a given size, and a parallel for over an index range split into chunks. Pools
 * are meant to be shared ({@link #shared}): per process and thread count, never per call.
 */
public final class Parallel {
    /** More threads than this is a typo, not a machine. */
    public static final int MAX_THREADS = 4096;
    private static final ConcurrentHashMap<Integer, Parallel> SHARED = new ConcurrentHashMap<>();

    /** Body of a parallel loop: handles indices [start, end). */
    @FunctionalInterface
    public interface Range {
        void run(int start, int end);
    }

    private final ForkJoinPool pool;
    private final int threads;

    public Parallel(int threads) {
        checkThreads(threads, "threads");
        this.threads = threads;
        this.pool = new ForkJoinPool(threads);
    }

    /** The process-wide pool of {@code threads} threads, created on first use. */
    public static Parallel shared(int threads) {
        checkThreads(threads, "threads");
        return SHARED.computeIfAbsent(threads, Parallel::new);
    }

    private static void checkThreads(int threads, String what) {
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException(what + " must be between 1 and " + MAX_THREADS + ", got " + threads);
        }
    }

    /** Threads from {@code -Dpaligemma.threads}, else one per available core. */
    public static int defaultThreads() {
        String p = System.getProperty("paligemma.threads");
        if (p == null || p.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        int n;
        try {
            n = Integer.parseInt(p.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-Dpaligemma.threads=" + p + " is not a number of threads");
        }
        checkThreads(n, "-Dpaligemma.threads");
        return n;
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs body over [0, n) in chunks of at least {@code grain} indices, about four chunks per thread
     * so that uneven cores even out. Runs inline when one chunk would do.
     */
    public void forRange(int n, int grain, Range body) {
        if (n <= 0) {
            return;
        }
        int chunks = Math.min(Math.max(1, n / Math.max(1, grain)), threads * 4);
        if (chunks == 1 || threads == 1) {
            body.run(0, n);
            return;
        }
        List<RecursiveAction> tasks = new ArrayList<>(chunks);
        for (int c = 0; c < chunks; c++) {
            int s = (int) ((long) n * c / chunks);
            int e = (int) ((long) n * (c + 1) / chunks);
            tasks.add(new RecursiveAction() {
                @Override
                protected void compute() {
                    body.run(s, e);
                }
            });
        }
        pool.invoke(new RecursiveAction() {
            @Override
            protected void compute() {
                invokeAll(tasks);
            }
        });
    }
}
