package io.paligemma4j.kernels.vector;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/** A fork-join pool sized to the cores, and a parallel for over an index range split into chunks. */
public final class Parallel {
    /** Body of a parallel loop: handles indices [start, end). */
    @FunctionalInterface
    public interface Range {
        void run(int start, int end);
    }

    private final ForkJoinPool pool;
    private final int threads;

    public Parallel(int threads) {
        this.threads = Math.max(1, threads);
        this.pool = new ForkJoinPool(this.threads);
    }

    /** Threads from {@code -Dpaligemma.threads}, else one per available core. */
    public static int defaultThreads() {
        String p = System.getProperty("paligemma.threads");
        return p != null ? Integer.parseInt(p) : Runtime.getRuntime().availableProcessors();
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
