package dev.sinklora.prep.record;

/**
 * The outcome of pulling what a job needs out of a {@link RawRecord}: a value, or a rejection
 * reason with a human-readable detail.
 */
public record Extracted<T>(T value, RejectReason reason, String detail) {

    public static <T> Extracted<T> ok(T value) {
        return new Extracted<>(value, null, null);
    }

    public static <T> Extracted<T> reject(RejectReason reason, String detail) {
        return new Extracted<>(null, reason, detail);
    }

    public boolean ok() {
        return reason == null;
    }

    /** Same rejection, other value type. */
    public <U> Extracted<U> cast() {
        if (ok()) {
            throw new IllegalStateException("not a rejection");
        }
        return new Extracted<>(null, reason, detail);
    }
}
