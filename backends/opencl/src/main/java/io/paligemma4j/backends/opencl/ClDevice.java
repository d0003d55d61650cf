package io.paligemma4j.backends.opencl;

import static org.lwjgl.opencl.CL10.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;

/** One OpenCL device as the ICD loader reports it, with the limits the kernels are sized from. */
record ClDevice(int index, long platform, long id, String name, String platformName, String version, boolean gpu,
                long globalMem, long maxAlloc, long localMem, long maxWorkGroup, int computeUnits) {

    /** Every device of every platform, in platform order. Throws when OpenCL itself is missing. */
    static List<ClDevice> all() {
        List<ClDevice> out = new ArrayList<>();
        try (MemoryStack stack = MemoryStack.stackPush()) {
            var n = stack.mallocInt(1);
            int rc = clGetPlatformIDs(null, n);
            if (rc == -1001 || n.get(0) == 0) {
                return out; // an ICD loader without any platform (driver) installed
            }
            ClErrors.check(rc, "clGetPlatformIDs", "the ICD loader");
            PointerBuffer platforms = stack.mallocPointer(n.get(0));
            ClErrors.check(clGetPlatformIDs(platforms, (java.nio.IntBuffer) null), "clGetPlatformIDs", "the ICD loader");
            for (int p = 0; p < platforms.capacity(); p++) {
                long platform = platforms.get(p);
                var nd = stack.mallocInt(1);
                if (clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, null, nd) != CL_SUCCESS || nd.get(0) == 0) {
                    continue;
                }
                PointerBuffer ids = stack.mallocPointer(nd.get(0));
                ClErrors.check(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, ids, (java.nio.IntBuffer) null), "clGetDeviceIDs",
                        "platform " + p);
                String platformName = platformString(platform, CL_PLATFORM_NAME);
                for (int d = 0; d < ids.capacity(); d++) {
                    long id = ids.get(d);
                    out.add(new ClDevice(out.size(), platform, id, deviceString(id, CL_DEVICE_NAME), platformName,
                            deviceString(id, CL_DEVICE_VERSION), (deviceLong(id, CL_DEVICE_TYPE) & CL_DEVICE_TYPE_GPU) != 0,
                            deviceLong(id, CL_DEVICE_GLOBAL_MEM_SIZE), deviceLong(id, CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                            deviceLong(id, CL_DEVICE_LOCAL_MEM_SIZE), devicePointer(id, CL_DEVICE_MAX_WORK_GROUP_SIZE),
                            deviceInt(id, CL_DEVICE_MAX_COMPUTE_UNITS)));
                }
            }
        }
        return out;
    }

    /** The first GPU, else the first device; null when there is none. */
    static ClDevice preferred(List<ClDevice> all) {
        return all.stream().filter(ClDevice::gpu).findFirst().orElse(all.isEmpty() ? null : all.getFirst());
    }

    String describe(boolean isDefault) {
        return String.format("%d: %s (%s, %s, %s), %.1f GB global, %.1f GB per buffer, %d KB local, %d compute units%s",
                index, name, gpu ? "GPU" : "CPU or other", platformName, version, globalMem / 1e9, maxAlloc / 1e9,
                localMem / 1024, computeUnits, isDefault ? " [default]" : "");
    }

    private static String deviceString(long id, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            ClErrors.check(clGetDeviceInfo(id, param, (ByteBuffer) null, size), "clGetDeviceInfo", "device " + id);
            ByteBuffer b = stack.malloc((int) size.get(0));
            ClErrors.check(clGetDeviceInfo(id, param, b, null), "clGetDeviceInfo", "device " + id);
            return cString(b);
        }
    }

    private static String platformString(long id, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            ClErrors.check(clGetPlatformInfo(id, param, (ByteBuffer) null, size), "clGetPlatformInfo", "platform " + id);
            ByteBuffer b = stack.malloc((int) size.get(0));
            ClErrors.check(clGetPlatformInfo(id, param, b, null), "clGetPlatformInfo", "platform " + id);
            return cString(b);
        }
    }

    static String cString(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        int len = 0;
        while (len < bytes.length && bytes[len] != 0) {
            len++;
        }
        return new String(bytes, 0, len, StandardCharsets.UTF_8).trim();
    }

    private static long deviceLong(long id, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            var v = stack.mallocLong(1);
            ClErrors.check(clGetDeviceInfo(id, param, v, null), "clGetDeviceInfo", "device " + id);
            return v.get(0);
        }
    }

    private static int deviceInt(long id, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            var v = stack.mallocInt(1);
            ClErrors.check(clGetDeviceInfo(id, param, v, null), "clGetDeviceInfo", "device " + id);
            return v.get(0);
        }
    }

    private static long devicePointer(long id, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer v = stack.mallocPointer(1);
            ClErrors.check(clGetDeviceInfo(id, param, v, null), "clGetDeviceInfo", "device " + id);
            return v.get(0);
        }
    }
}
