package dev.sinklora.model.attention;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Moves the rows of one {@link QueryChunk} between position-ordered tensors {@code [B, heads, N, D]}
 * and the chunk's matmul layout for a {@link KvHeadRun}: queries {@code [B, kvHeads, perKv * rows, D]},
 * keys {@code [B, kvHeads, S + window, D]} (sinks first). Every method copies only chunk-sized data.
 */
final class SlotRows {

    private SlotRows() {
    }

    /**
     * {@code x[:, run's query heads, chunk's query positions, :]} as a new {@code [B, heads of the run, rows, D]}
     * (C order, so its reshape to {@code [B, kvHeads, perKv * rows, D]} is a view).
     */
    static INDArray gatherQueries(INDArray x, KvHeadRun run, SlotPieces rows) {
        long b = x.size(0);
        long d = x.size(3);
        int heads = run.queryTo() - run.queryFrom();
        INDArray buf = Nd4j.create(DataType.FLOAT, b, heads, rows.length(), d);             // [B, Hr, rows, D]
        INDArray src = x.get(all(), range(run.queryFrom(), run.queryTo()), all(), all());
        for (SlotPieces.Piece p : rows.pieces()) {
            rowsOf(buf, p.offset(), p.length()).assign(rowsOf(src, p.position(), p.length()));
        }
        return buf;
    }

    /** Writes a C-order {@code [B, kvHeads, perKv * rows, D]} result into {@code x[:, query heads, positions, :]}. */
    static void scatterQueries(INDArray rowsOut, KvHeadRun run, SlotPieces rows, INDArray x) {
        INDArray byHead = rowsOut.reshape(rowsOut.size(0), run.queryTo() - run.queryFrom(), rows.length(),
                rowsOut.size(3));                                                         // [B, Hr, rows, D]
        INDArray dst = x.get(all(), range(run.queryFrom(), run.queryTo()), all(), all());
        for (SlotPieces.Piece p : rows.pieces()) {
            rowsOf(dst, p.position(), p.length()).assign(rowsOf(byHead, p.offset(), p.length()));
        }
    }

    /** Whether {@link #keyView} applies: no sinks and a window of one run of positions. */
    static boolean keysAreAView(int sinks, SlotPieces window) {
        return sinks == 0 && window.contiguous();
    }

    /** The chunk's keys (or values) of the run's kv heads as a view of {@code x}, {@code [B, kvHeads, window, D]}. */
    static INDArray keyView(INDArray x, KvHeadRun run, SlotPieces window) {
        if (window.pieces().size() != 1) {
            throw new IllegalArgumentException("window of " + window.pieces().size() + " runs is not a view");
        }
        INDArray src = x.get(all(), range(run.kvFrom(), run.kvTo()), all(), all());      // [B, kvHeads, N, D]
        return rowsOf(src, window.pieces().get(0).position(), window.length());
    }

    /** The chunk's keys (or values) of the run's kv heads, sinks first, as a new {@code [B, kvHeads, S + window, D]}. */
    static INDArray gatherKeys(INDArray x, KvHeadRun run, int sinks, SlotPieces window) {
        INDArray src = x.get(all(), range(run.kvFrom(), run.kvTo()), all(), all());      // [B, kvHeads, N, D]
        INDArray buf = Nd4j.create(DataType.FLOAT, x.size(0), run.kvHeads(), sinks + window.length(), x.size(3));
        if (sinks > 0) {
            rowsOf(buf, 0, sinks).assign(rowsOf(src, 0, sinks));
        }
        for (SlotPieces.Piece p : window.pieces()) {
            rowsOf(buf, sinks + p.offset(), p.length()).assign(rowsOf(src, p.position(), p.length()));
        }
        return buf;
    }

    /** Adds a {@code [B, kvHeads, S + window, D]} key gradient into {@code dx[:, kv heads, positions, :]}. */
    static void scatterAddKeys(INDArray grad, KvHeadRun run, int sinks, SlotPieces window, INDArray dx) {
        INDArray dst = dx.get(all(), range(run.kvFrom(), run.kvTo()), all(), all());
        if (sinks > 0) {
            rowsOf(dst, 0, sinks).addi(rowsOf(grad, 0, sinks));
        }
        for (SlotPieces.Piece p : window.pieces()) {
            rowsOf(dst, p.position(), p.length()).addi(rowsOf(grad, sinks + p.offset(), p.length()));
        }
    }

    /** {@code x[:, :, from:from+length, :]} of a rank-4 array (a view). */
    static INDArray rowsOf(INDArray x, long from, long length) {
        return x.get(all(), all(), range(from, from + length), all());
    }

    private static INDArrayIndex all() {
        return NDArrayIndex.all();
    }

    private static INDArrayIndex range(long from, long to) {
        return NDArrayIndex.interval(from, to);
    }
}
