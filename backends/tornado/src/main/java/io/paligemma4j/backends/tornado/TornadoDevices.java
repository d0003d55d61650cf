package io.paligemma4j.backends.tornado;

import java.util.ArrayList;
import java.util.List;
import uk.ac.manchester.tornado.api.TornadoBackend;
import uk.ac.manchester.tornado.api.TornadoRuntime;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.TornadoDeviceType;
import uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider;

/** What the TornadoVM runtime sees: its backends and devices. */
final class TornadoDevices {
    private TornadoDevices() {}

    static TornadoDevice defaultDevice() {
        return TornadoRuntimeProvider.getTornadoRuntime().getDefaultDevice();
    }

    static boolean defaultIsGpu() {
        return defaultDevice().getDeviceType() == TornadoDeviceType.GPU;
    }

    static List<String> describe() {
        TornadoRuntime rt = TornadoRuntimeProvider.getTornadoRuntime();
        TornadoDevice def = rt.getDefaultDevice();
        List<String> out = new ArrayList<>();
        for (int b = 0; b < rt.getNumBackends(); b++) {
            TornadoBackend backend = rt.getBackend(b);
            for (int d = 0; d < backend.getNumDevices(); d++) {
                TornadoDevice dev = backend.getDevice(d);
                out.add(String.format("%d:%d %s %s (%s), %.1f GB global, %d KB local%s", b, d,
                        rt.getBackendType(b), dev.getPhysicalDevice().getDeviceName(), dev.getDeviceType(),
                        dev.getMaxGlobalMemory() / 1e9, dev.getDeviceLocalMemorySize() / 1024,
                        dev.getDeviceName().equals(def.getDeviceName()) && b == def.getBackendIndex() ? " [default]" : ""));
            }
        }
        return out;
    }
}
