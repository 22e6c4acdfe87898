package dev.sinklora.prep.corpus;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Builds one shard's rows from its chunks in stream order: fills rows of exactly seq_len tokens,
 * records where documents start, and pads the stream's final partial row. Checks that chunks are
 * contiguous and that the shard gets exactly the planned number of rows (a bug otherwise).
 */
final class RowAssembler implements Iterator<PackedRow> {
    private final Iterator<PackChunk> chunks;
    private final int seqLen;
    private final long rows;
    private final int padId;
    private final ArrayDeque<PackedRow> ready = new ArrayDeque<>();
    private int[] buf;
    private int fill;
    private int[] starts = new int[8];
    private int nStarts;
    private long expected;
    private long emitted;
    private boolean finished;

    /**
     * @param firstRow global index of the shard's first row
     * @param rows rows this shard must produce
     * @param padId id used to pad the stream's last row
     */
    RowAssembler(Iterator<PackChunk> chunks, int seqLen, long firstRow, long rows, int padId) {
        this.chunks = chunks;
        this.seqLen = seqLen;
        this.rows = rows;
        this.padId = padId;
        this.expected = firstRow * seqLen;
        this.buf = new int[seqLen];
    }

    @Override
    public boolean hasNext() {
        while (ready.isEmpty() && chunks.hasNext()) {
            add(chunks.next());
        }
        if (ready.isEmpty() && !finished) {
            finished = true;
            if (fill > 0) {
                Arrays.fill(buf, fill, seqLen, padId);
                emit(fill);
            }
            if (emitted != rows) {
                throw new IllegalStateException("shard planned " + rows + " rows but assembled " + emitted);
            }
        }
        return !ready.isEmpty();
    }

    @Override
    public PackedRow next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return ready.poll();
    }

    private void add(PackChunk c) {
        if (c.position() != expected) {
            throw new IllegalStateException("chunk at stream position " + c.position() + ", expected " + expected);
        }
        int[] t = c.tokens();
        if (c.docStart()) {
            if (nStarts == starts.length) {
                starts = Arrays.copyOf(starts, nStarts * 2);
            }
            starts[nStarts++] = fill;
        }
        int off = 0;
        while (off < t.length) {
            int n = Math.min(t.length - off, seqLen - fill);
            System.arraycopy(t, off, buf, fill, n);
            fill += n;
            off += n;
            if (fill == seqLen) {
                emit(seqLen);
            }
        }
        expected += t.length;
    }

    private void emit(int length) {
        ready.add(new PackedRow(buf, Arrays.copyOf(starts, nStarts), length));
        emitted++;
        buf = new int[seqLen];
        fill = 0;
        nStarts = 0;
    }
}
