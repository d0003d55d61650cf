package io.paligemma4j.backends.tornado;

import io.paligemma4j.loader.Tensor;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/** Host-side TornadoVM arrays for small tensors and scratch buffers. */
final class DeviceArrays {
    private DeviceArrays() {}

    /** A vector weight (norm scale, bias, position table) widened to float32: small, read everywhere. */
    static FloatArray floats(Tensor t) {
        long n = t.numel();
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(t.name() + " is too large for a TornadoVM array");
        }
        FloatArray a = new FloatArray((int) n);
        for (int i = 0; i < n; i++) {
            a.set(i, t.getFloat(i));
        }
        return a;
    }

    static FloatArray scratch(long floats) {
        if (floats > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a buffer of " + floats + " floats exceeds TornadoVM's array limit");
        }
        FloatArray a = new FloatArray((int) Math.max(1, floats));
        a.init(0f);
        return a;
    }
}
