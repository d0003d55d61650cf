package io.paligemma4j.runtime;

import io.paligemma4j.kernels.ref.ReferenceKernels;
import io.paligemma4j.runtime.eager.EagerExecutor;
import io.paligemma4j.runtime.forward.ForwardEngine;
import java.util.List;

/** Scalar single-threaded kernels: slow, simple, the spec every other backend is checked against. */
public final class ReferenceBackend implements Backend {
    @Override
    public String name() {
        return "reference";
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    /** One thread is what it is: any other count is refused. */
    @Override
    public Backend withThreads(int threads) {
        if (threads != 1) {
            throw new io.paligemma4j.loader.BadInputException("the reference backend runs on one thread; --threads "
                    + threads + " applies to backends that compute on several");
        }
        return this;
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public List<String> devices() {
        return List.of("host CPU, one thread, scalar Java");
    }

    @Override
    public Engine open(PaliGemmaModel model, int maxSeqLen) {
        return new ForwardEngine<>(model, maxSeqLen, new EagerExecutor(new ReferenceKernels()));
    }
}
