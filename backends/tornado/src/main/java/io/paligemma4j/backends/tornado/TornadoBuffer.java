package io.paligemma4j.backends.tornado;

import io.paligemma4j.runtime.forward.BufferSpec;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/** An activation buffer: a TornadoVM array whose device copy the task graphs hand from one to the next. */
public record TornadoBuffer(BufferSpec spec, FloatArray array) {
    int width() {
        return spec.width();
    }
}
