package io.paligemma4j.cli;

/** Writing a result failed (standard output closed or full, an output file): exit code 1, one line. */
final class OutputFailure extends RuntimeException {
    OutputFailure(String message, Throwable cause) {
        super(message, cause);
    }

    OutputFailure(String message) {
        super(message);
    }
}
