package dev.sinklora.model;

/**
 * A problem with what the user gave us (a file, a record, an option), as opposed to a bug.
 * The message must name the file / record / option and the reason; the CLI prints it as one
 * line and exits non-zero.
 */
public class BadInputException extends RuntimeException {
    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Throws a BadInputException with {@code message} (one line naming the option or file) unless {@code ok}. */
    public static void require(boolean ok, String message) {
        if (!ok) {
            throw new BadInputException(message);
        }
    }
}
