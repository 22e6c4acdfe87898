package dev.sinklora.prep.record;

import java.util.NoSuchElementException;

/** A {@link RecordSource} that reads one record ahead: subclasses only say how to read the next one. */
abstract class LookaheadRecordSource implements RecordSource {

    private RawRecord next;
    private boolean done;

    /** The next record, or null when the split is exhausted. */
    protected abstract RawRecord advance();

    @Override
    public final boolean hasNext() {
        if (next == null && !done) {
            next = advance();
            done = next == null;
        }
        return next != null;
    }

    @Override
    public final RawRecord next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        RawRecord r = next;
        next = null;
        return r;
    }
}
