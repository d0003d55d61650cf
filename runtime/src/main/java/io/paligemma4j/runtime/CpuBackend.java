package io.paligemma4j.runtime;

import io.paligemma4j.kernels.vector.Parallel;
import io.paligemma4j.kernels.vector.VectorKernels;
import java.util.List;

/** Java Vector API kernels on a thread pool sized to the cores: the default without a GPU. */
public final class CpuBackend implements Backend {
    /** One pool per process: sessions share the cores rather than oversubscribing them. */
    private static final class Pool {
        static final Parallel INSTANCE = new Parallel(Parallel.defaultThreads());
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
        return null;
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public List<String> devices() {
        return List.of(VectorKernels.describe(Pool.INSTANCE));
    }

    @Override
    public Engine open(PaliGemmaModel model, int maxSeqLen) {
        return new EagerEngine(new VectorKernels(Pool.INSTANCE), model, maxSeqLen);
    }
}
