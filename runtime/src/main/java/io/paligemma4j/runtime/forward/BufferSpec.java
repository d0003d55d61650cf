package io.paligemma4j.runtime.forward;

/**
 * One activation buffer of the forward pass: {@code rows × width} float32, allocated once by the
 * backend. A pass touches its rows {@code [0, rows)} of a buffer, except in a
 * {@linkplain #sequenceRows sequence-addressed} one (the KV cache), where pass row {@code i} is
 * sequence row {@code start + i}. {@link Io} says whether the host writes it before a stage runs or
 * reads it after.
 */
public record BufferSpec(String name, int rows, int width, boolean sequenceRows, Io io) {
    /** How a buffer meets the host. */
    public enum Io { DEVICE, FROM_HOST, TO_HOST }

    public BufferSpec {
        if (rows <= 0 || width <= 0) {
            throw new IllegalArgumentException("buffer " + name + " of " + rows + " x " + width);
        }
    }

    public long floats() {
        return (long) rows * width;
    }

    public long bytes() {
        return floats() * Float.BYTES;
    }
}
