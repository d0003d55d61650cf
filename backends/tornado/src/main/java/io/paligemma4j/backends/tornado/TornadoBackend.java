package io.paligemma4j.backends.tornado;

import io.paligemma4j.runtime.Backend;
import io.paligemma4j.runtime.Engine;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.forward.ForwardEngine;
import java.util.List;

/**
 * The TornadoVM backend: the forward pass's stages as task graphs on TornadoVM's default device. Its
 * signatures name no TornadoVM type, so the service loads (and says why it cannot run) in a JVM
 * started without the SDK.
 */
public final class TornadoBackend implements Backend {
    static {
        // TornadoVM budgets device allocations at 4 GB unless told otherwise, below a 3B model. The
        // engine checks the model against the device's real memory instead; set before TornadoVM
        // reads its options (on first use), and only when the user has not.
        if (System.getProperty("tornado.device.memory") == null) {
            System.setProperty("tornado.device.memory", "1024GB");
        }
    }

    private final boolean profiled;
    private volatile String reason;
    private volatile boolean probed;

    /** The form {@link java.util.ServiceLoader} uses: no profiling. */
    public TornadoBackend() {
        this(false);
    }

    private TornadoBackend(boolean profiled) {
        this.profiled = profiled;
    }

    /** TornadoVM's profiler on: device kernel, transfer and compile time, bytes each way. */
    @Override
    public TornadoBackend withProfiling() {
        return new TornadoBackend(true);
    }

    @Override
    public String name() {
        return "tornado";
    }

    @Override
    public String unavailableReason() {
        if (!probed) {
            reason = probe();
            probed = true;
        }
        return reason;
    }

    private static String probe() {
        if (!"False".equalsIgnoreCase(System.getProperty("tornado.recover.bailout"))) {
            return "the JVM must run with -Dtornado.recover.bailout=False (a kernel TornadoVM cannot compile"
                    + " would otherwise run silently on the host); ./paligemma sets it";
        }
        try {
            TornadoDevices.defaultDevice();
            return null;
        } catch (LinkageError e) {
            return "the JVM was not started with the TornadoVM SDK's flags (set TORNADOVM_HOME and use ./paligemma): "
                    + e.getMessage();
        } catch (RuntimeException e) {
            return "TornadoVM found no usable device: " + e.getMessage();
        }
    }

    /** Above cpu on a GPU; below it on a CPU OpenCL device (PoCL), where the Vector API kernels are faster. */
    @Override
    public int priority() {
        return unavailableReason() == null && TornadoDevices.defaultIsGpu() ? 20 : 5;
    }

    @Override
    public List<String> devices() {
        return TornadoDevices.describe();
    }

    @Override
    public Engine open(PaliGemmaModel model, int maxSeqLen) {
        return new ForwardEngine<>(model, maxSeqLen,
                new TornadoExecutor(model, maxSeqLen, profiled));
    }
}
