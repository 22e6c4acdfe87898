package dev.sinklora.model.attention;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Moves the rows of one {@link QueryChunk} between position-ordered tensors {@code [B, heads, N, D]}, seen
 * as row matrices {@code [B*heads*N, D]}, and the chunk's contiguous matmul layout for a {@link KvHeadRun}:
 * queries {@code [B, kvHeads, perKv * rows, D]}, keys {@code [B, kvHeads, S + window, D]} (sinks first).
 * Rows move by index (ND4J's pullRows and an in-place scatter_add): element-wise ops on strided rank-4
 * views run one to two orders of magnitude slower in ND4J 1.0.0-M2.1's CPU backend.
 */
final class SlotRows {

    private SlotRows() {
    }

    /** {@code x} [B, heads, N, D] as its row matrix [B*heads*N, D]: a view when x is C-contiguous, else a copy. */
    static INDArray asRows(INDArray x) {
        return x.reshape('c', x.size(0) * x.size(1) * x.size(2), x.size(3));
    }

    /** Rows of the run's query heads at the chunk's positions, in [B, query head, row] order. */
    static int[] queryRows(long batch, long heads, long n, KvHeadRun run, SlotPieces rows) {
        int[] idx = new int[Math.toIntExact(batch * (run.queryTo() - run.queryFrom()) * rows.length())];
        int p = 0;
        for (long b = 0; b < batch; b++) {
            for (int h = run.queryFrom(); h < run.queryTo(); h++) {
                p = putPieces(idx, p, (b * heads + h) * n, rows);
            }
        }
        return idx;
    }

    /** Rows of the run's kv heads: the {@code sinks} first positions, then the window's, in [B, kv head, key] order. */
    static int[] keyRows(long batch, long kvHeads, long n, KvHeadRun run, int sinks, SlotPieces window) {
        int[] idx = new int[Math.toIntExact(batch * run.kvHeads() * (sinks + window.length()))];
        int p = 0;
        for (long b = 0; b < batch; b++) {
            for (int kv = run.kvFrom(); kv < run.kvTo(); kv++) {
                long base = (b * kvHeads + kv) * n;
                for (int j = 0; j < sinks; j++) {
                    idx[p++] = Math.toIntExact(base + j);
                }
                p = putPieces(idx, p, base, window);
            }
        }
        return idx;
    }

    /** Whether a sink position is also one of the window's (a key row then appears twice). */
    static boolean sinksInWindow(int sinks, SlotPieces window) {
        for (SlotPieces.Piece piece : window.pieces()) {
            if (piece.position() < sinks) {
                return true;
            }
        }
        return false;
    }

    /** The given rows of a row matrix [M, D] as a new [rows, D]. */
    static INDArray gather(INDArray rows, int[] idx) {
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, idx.length, rows.size(1));
        Nd4j.pullRows(rows, out, 1, idx);
        return out;
    }

    /**
     * {@code rows[idx[i]] += updates[i]} in place, for a row matrix {@code rows} [M, D] and {@code updates}
     * [idx.length, D]; {@code repeated}: some index occurs twice (then the update runs on one thread).
     */
    static void scatterAdd(INDArray rows, int[] idx, INDArray updates, boolean repeated) {
        try (INDArray indices = Nd4j.createFromArray(idx)) {
            Nd4j.exec(DynamicCustomOp.builder("scatter_add")
                    .addInputs(rows, indices, updates)
                    .addOutputs(rows)
                    .addBooleanArguments(repeated)
                    .build());
        }
    }

    /** Whether {@link #keyView} applies: no sinks and a window of one run of positions. */
    static boolean keysAreAView(int sinks, SlotPieces window) {
        return sinks == 0 && window.contiguous();
    }

    /**
     * The chunk's keys (or values) of the run's kv heads as a view of {@code x} [B, KVH, N, D],
     * {@code [B, kvHeads, window, D]}: for matmul operands only (which read strided views at full speed).
     */
    static INDArray keyView(INDArray x, KvHeadRun run, SlotPieces window) {
        if (!window.contiguous()) {
            throw new IllegalArgumentException("window of " + window.pieces().size() + " runs is not a view");
        }
        int from = window.pieces().get(0).position();
        return x.get(NDArrayIndex.all(), NDArrayIndex.interval(run.kvFrom(), run.kvTo()),
                NDArrayIndex.interval(from, from + window.length()), NDArrayIndex.all());
    }

    private static int putPieces(int[] idx, int p, long base, SlotPieces pieces) {
        for (SlotPieces.Piece piece : pieces.pieces()) {
            for (int r = 0; r < piece.length(); r++) {
                idx[p++] = Math.toIntExact(base + piece.position() + r);
            }
        }
        return p;
    }
}
