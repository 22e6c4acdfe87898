package dev.sinklora.spark;

import dev.sinklora.model.BadInputException;

/**
 * A {@link BadInputException} thrown inside a Spark task reaches the driver wrapped in a
 * SparkException, as a cause when Spark could ship the exception back, otherwise only inside the
 * message text; this digs it out so the CLI can print its one-line message.
 */
public final class SparkErrors {
    private SparkErrors() {
    }

    private static final String MARKER = BadInputException.class.getName() + ": ";

    /**
     * The {@link BadInputException} inside {@code e} if there is one; else {@code e} itself if
     * unchecked; else (Spark throws its checked SparkException from Scala code) {@code e} wrapped.
     */
    public static RuntimeException unwrap(Exception e) {
        if (e instanceof BadInputException bad) {
            return bad;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BadInputException bad) {
                return new BadInputException(bad.getMessage(), e);
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            String msg = t.getMessage();
            int at = msg == null ? -1 : msg.indexOf(MARKER);
            if (at >= 0) {
                int end = msg.indexOf('\n', at);
                return new BadInputException(msg.substring(at + MARKER.length(), end < 0 ? msg.length() : end), e);
            }
        }
        return e instanceof RuntimeException r ? r : new IllegalStateException("Spark job failed: " + e.getMessage(), e);
    }
}
