package io.paligemma4j.backends.cpu;

import io.paligemma4j.kernels.Kernels;
import io.paligemma4j.kernels.TimedKernels;
import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.runtime.Backend;
import io.paligemma4j.runtime.Engine;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.eager.EagerExecutor;
import io.paligemma4j.runtime.forward.ForwardEngine;
import java.util.List;

/**
 * Java Vector API kernels on a thread pool: the default without a GPU. The pool is shared by every
 * engine of this backend (and by every backend instance with the same thread count), so sessions
 * share the cores rather than oversubscribing them; {@link #withThreads} gives an application a
 * smaller share of the machine.
 */
public final class CpuBackend implements Backend {
    private final Integer threads;
    private final boolean profiling;

    /** All cores (or {@code -Dpaligemma.threads}); the form {@link java.util.ServiceLoader} uses. */
    public CpuBackend() {
        this(null, false);
    }

    private CpuBackend(Integer threads, boolean profiling) {
        this.threads = threads;
        this.profiling = profiling;
    }

    /** This backend on {@code threads} threads (1 to {@value Parallel#MAX_THREADS}). */
    @Override
    public CpuBackend withThreads(int threads) {
        if (threads < 1 || threads > Parallel.MAX_THREADS) {
            throw new BadInputException("threads must be between 1 and " + Parallel.MAX_THREADS + ", got " + threads);
        }
        return new CpuBackend(threads, profiling);
    }

    private Parallel pool() {
        try {
            return Parallel.shared(threads != null ? threads : Parallel.defaultThreads());
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage());
        }
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String unavailableReason() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return "the JVM was started without --add-modules jdk.incubator.vector";
        }
        return VectorWidth.problem();
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public List<String> devices() {
        return List.of(VectorKernels.describe(pool()));
    }

    /** This backend with every kernel call timed, so {@code bench} shows where each stage's time goes. */
    @Override
    public CpuBackend withProfiling() {
        return new CpuBackend(threads, true);
    }

    @Override
    public Engine open(PaliGemmaModel model, int maxSeqLen) {
        Kernels k = new VectorKernels(pool());
        return new ForwardEngine<>(model, maxSeqLen, new EagerExecutor(profiling ? new TimedKernels(k) : k));
    }
}
