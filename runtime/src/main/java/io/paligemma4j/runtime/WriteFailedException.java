package io.paligemma4j.runtime;

/** An output could not be written (the disk is full, the directory went away): not the input's fault. */
public final class WriteFailedException extends RuntimeException {
    public WriteFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
