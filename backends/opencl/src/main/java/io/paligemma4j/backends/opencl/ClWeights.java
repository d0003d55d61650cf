package io.paligemma4j.backends.opencl;

import static org.lwjgl.opencl.CL10.*;

import io.paligemma4j.loader.Tensor;
import io.paligemma4j.runtime.PaliGemmaModel;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A model's weights on one device, as stored (BF16, F16 or F32 bits), uploaded once straight from
 * the memory-mapped checkpoint (no heap copy) and shared by every engine on the model; released
 * when the last engine closes.
 */
final class ClWeights {
    private static final Map<ClContext, Map<PaliGemmaModel, ClWeights>> SHARED = new IdentityHashMap<>();

    private final ClContext cl;
    private final PaliGemmaModel model;
    private final Map<Tensor, Long> buffers = new IdentityHashMap<>();
    private int users;

    private ClWeights(ClContext cl, PaliGemmaModel model) {
        this.cl = cl;
        this.model = model;
    }

    static synchronized ClWeights acquire(ClContext cl, PaliGemmaModel model) {
        ClWeights w = SHARED.computeIfAbsent(cl, k -> new IdentityHashMap<>()).computeIfAbsent(model, m -> new ClWeights(cl, m));
        w.users++;
        return w;
    }

    /** True when this model's weights are not on the device yet (the memory check counts them). */
    static synchronized boolean resident(ClContext cl, PaliGemmaModel model) {
        ClWeights w = SHARED.getOrDefault(cl, Map.of()).get(model);
        return w != null && !w.buffers.isEmpty();
    }

    /** The device buffer of {@code t}, uploaded on first use. */
    synchronized long of(Tensor t) {
        Long b = buffers.get(t);
        if (b == null) {
            b = upload(t);
            buffers.put(t, b);
        }
        return b;
    }

    private long upload(Tensor t) {
        long bytes = t.data().byteSize();
        if (bytes > cl.device.maxAlloc()) {
            throw new io.paligemma4j.loader.BadInputException(String.format("weight %s (%.2f GB) exceeds the %.2f GB "
                    + "%s allows in one buffer", t.name(), bytes / 1e9, cl.device.maxAlloc() / 1e9, cl.device.name()));
        }
        // Checkpoint tensors are mapped segments and go up from the mapping; a heap-backed one is staged.
        try (java.lang.foreign.Arena staging = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment src = t.data();
            if (!src.isNative()) {
                src = staging.allocate(bytes, 8).copyFrom(src);
            }
            return ClMemory.create(cl, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, Math.max(1, bytes), src.address(),
                    "weight " + t.name());
        }
    }

    static synchronized void release(ClWeights w) {
        if (--w.users > 0) {
            return;
        }
        for (long b : w.buffers.values()) {
            ClMemory.release(b);
        }
        w.buffers.clear();
        Map<PaliGemmaModel, ClWeights> m = SHARED.get(w.cl);
        if (m != null) {
            m.remove(w.model);
        }
    }
}
