package io.paligemma4j.runtime.eager;

import io.paligemma4j.runtime.forward.BufferSpec;
import java.lang.foreign.MemorySegment;

/** An activation buffer in host memory: a native float32 segment of {@code spec.floats()} values. */
public record EagerBuffer(BufferSpec spec, MemorySegment segment) {}
