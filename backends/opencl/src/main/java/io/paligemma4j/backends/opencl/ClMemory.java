package io.paligemma4j.backends.opencl;

import static org.lwjgl.opencl.CL10.clCreateBuffer;
import static org.lwjgl.opencl.CL10.clReleaseMemObject;
import static org.lwjgl.opencl.CL10.nclCreateBuffer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

/** Every device buffer this backend creates and releases, so that what is still held can be counted. */
final class ClMemory {
    private static final Map<Long, Long> LIVE = new ConcurrentHashMap<>();

    private ClMemory() {}

    /** A buffer of {@code bytes}, filled from {@code hostPtr} when it is not 0 (with CL_MEM_COPY_HOST_PTR in flags). */
    static long create(ClContext cl, long flags, long bytes, long hostPtr, String what) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            var err = stack.mallocInt(1);
            long mem = hostPtr != 0 ? nclCreateBuffer(cl.context, flags, bytes, hostPtr, MemoryUtil.memAddress(err))
                    : clCreateBuffer(cl.context, flags, bytes, err);
            ClErrors.check(err.get(0), "clCreateBuffer (" + what + ", " + bytes + " bytes)", cl.device.name());
            LIVE.put(mem, bytes);
            return mem;
        }
    }

    static void release(long mem) {
        if (LIVE.remove(mem) != null) {
            clReleaseMemObject(mem);
        }
    }

    /** Bytes of device buffers created and not yet released, over every context. */
    static long liveBytes() {
        return LIVE.values().stream().mapToLong(Long::longValue).sum();
    }
}
