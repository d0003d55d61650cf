package io.paligemma4j.backends.opencl;

import io.paligemma4j.runtime.forward.BufferSpec;

/** An activation buffer on the device: a {@code cl_mem} of {@code spec.bytes()}. */
record ClBuffer(BufferSpec spec, long mem) {}
