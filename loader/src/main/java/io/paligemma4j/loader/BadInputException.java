package io.paligemma4j.loader;

/**
 * A problem with what the user handed us (checkpoint, config, image, prompt, option), as opposed to
 * a bug. The message is one line naming the problem; the command line prints it and exits with 2.
 */
public class BadInputException extends RuntimeException {
    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
