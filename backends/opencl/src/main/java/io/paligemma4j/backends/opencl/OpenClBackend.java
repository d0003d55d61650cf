package io.paligemma4j.backends.opencl;

import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.runtime.Backend;
import io.paligemma4j.runtime.Engine;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.forward.ForwardEngine;
import java.util.ArrayList;
import java.util.List;

/**
 * Hand-written OpenCL C kernels through LWJGL: any device with an OpenCL driver (GPUs, or PoCL on a
 * CPU) runs the model with nothing installed but the driver. The default device is the first GPU,
 * else the first device; {@link #withDevice} chooses another.
 */
public final class OpenClBackend implements Backend {
    private static volatile List<ClDevice> devices;
    private static volatile String probeFailure;

    private final Integer deviceIndex;
    private final boolean profiled;

    /** The form {@link java.util.ServiceLoader} uses: the preferred device, no profiling. */
    public OpenClBackend() {
        this(null, false);
    }

    private OpenClBackend(Integer deviceIndex, boolean profiled) {
        this.deviceIndex = deviceIndex;
        this.profiled = profiled;
    }

    /** The devices the ICD loader reports, found once; null with {@link #probeFailure} set when OpenCL is missing. */
    private static List<ClDevice> found() {
        if (devices == null && probeFailure == null) {
            synchronized (OpenClBackend.class) {
                if (devices == null && probeFailure == null) {
                    try {
                        devices = ClDevice.all();
                    } catch (LinkageError | RuntimeException e) {
                        probeFailure = "no OpenCL ICD loader could be loaded (" + e.getClass().getSimpleName() + ": "
                                + e.getMessage() + "); install ocl-icd-libopencl1 and ocl-icd-opencl-dev (the unversioned"
                                + " libOpenCL.so LWJGL loads) or set -Dorg.lwjgl.opencl.libname=libOpenCL.so.1";
                    }
                }
            }
        }
        return devices;
    }

    private ClDevice device() {
        List<ClDevice> all = found();
        if (deviceIndex != null) {
            return all.get(deviceIndex);
        }
        return ClDevice.preferred(all);
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String unavailableReason() {
        List<ClDevice> all = found();
        if (all == null) {
            return probeFailure;
        }
        if (all.isEmpty()) {
            return "the OpenCL ICD loader found no platform with a device; install a driver (a GPU's, or"
                    + " pocl-opencl-icd for the CPU)";
        }
        if (deviceIndex != null && (deviceIndex < 0 || deviceIndex >= all.size())) {
            return "there is no OpenCL device " + deviceIndex + "; devices 0 to " + (all.size() - 1) + " exist";
        }
        return null;
    }

    /** Above every other backend on a GPU; below cpu on a CPU device (PoCL), where the Vector API is faster. */
    @Override
    public int priority() {
        return unavailableReason() == null && device().gpu() ? 30 : 4;
    }

    @Override
    public List<String> devices() {
        List<String> out = new ArrayList<>();
        ClDevice chosen = device();
        for (ClDevice d : found()) {
            out.add(d.describe(d.index() == chosen.index()));
        }
        return out;
    }

    @Override
    public OpenClBackend withDevice(int index) {
        OpenClBackend b = new OpenClBackend(index, profiled);
        String why = b.unavailableReason();
        if (why != null) {
            throw new BadInputException("--device " + index + ": " + why);
        }
        return b;
    }

    /** Kernel times from OpenCL profiling events, bytes each way. */
    @Override
    public OpenClBackend withProfiling() {
        return new OpenClBackend(deviceIndex, true);
    }

    /** Bytes of device buffers this backend holds now, over every engine and device (weights included). */
    public static long liveDeviceBytes() {
        return ClMemory.liveBytes();
    }

    @Override
    public Engine open(PaliGemmaModel model, int maxSeqLen) {
        ClContext cl = ClContext.of(device());
        return new ForwardEngine<>(model, maxSeqLen, new OpenClExecutor(cl, model, maxSeqLen, profiled));
    }
}
