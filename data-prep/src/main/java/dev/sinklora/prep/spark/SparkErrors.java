package dev.sinklora.prep.spark;

import dev.sinklora.model.BadInputException;

/**
 * A {@link BadInputException} thrown inside a Spark task reaches the driver wrapped in a
 * SparkException; this digs it out so the CLI can print its one-line message.
 */
public final class SparkErrors {
    private SparkErrors() {
    }

    public static RuntimeException unwrap(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BadInputException bad) {
                return new BadInputException(bad.getMessage(), e);
            }
        }
        return e;
    }
}
