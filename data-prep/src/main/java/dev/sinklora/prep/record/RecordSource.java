package dev.sinklora.prep.record;

import java.io.Closeable;
import java.util.Iterator;

/** The records of one input split, read lazily. */
public interface RecordSource extends Iterator<RawRecord>, Closeable {

    /**
     * Lines whose first byte lies in this split, blank ones included (valid once exhausted; 0 for
     * formats without lines). Used to turn split-relative line numbers into file line numbers.
     */
    long linesInSplit();
}
