package dev.sinklora.model.attention;

import java.util.ArrayList;
import java.util.List;

/**
 * Slots {@code [from, to)} of one attention block of a {@link BlockLayout}, whose real slots start at
 * {@code blockFrom}: the queries of the chunk read the layout's sink keys (positions {@code 0..S-1})
 * and the block's slots {@code [blockFrom, to)}, causally in slot order. Keys after the chunk's last
 * query are never read, so they are not part of the chunk (for {@code full}: the causal prefix).
 *
 * <p>Key columns: {@code 0..S-1} the sinks, then {@code S + (slot - blockFrom)}; the only columns a
 * query may not read are the sinks the rule hides and, in the diagonal square of columns
 * {@code [diagonalColumn(), keys())}, the slots after its own.
 */
record QueryChunk(BlockLayout layout, int blockFrom, int from, int to) {

    /** The chunks of every block of {@code layout}, at most {@code maxRows} queries each, padding slots left out. */
    static List<QueryChunk> of(BlockLayout layout, int maxRows) {
        List<QueryChunk> chunks = new ArrayList<>();
        int g = layout.group();
        for (int b = 0; b < layout.blocks(); b++) {
            int lo = b * g;
            int hi = Math.min(lo + g, layout.slots());
            while (lo < hi && layout.positionOfSlot(lo) < 0) {
                lo++;
            }
            while (hi > lo && layout.positionOfSlot(hi - 1) < 0) {
                hi--;
            }
            for (int a = lo; a < hi; a += maxRows) {
                chunks.add(new QueryChunk(layout, lo, a, Math.min(hi, a + maxRows)));
            }
        }
        return chunks;
    }

    /** Queries in the chunk. */
    int rows() {
        return to - from;
    }

    int sinks() {
        return layout.sinks();
    }

    /** Key columns: {@code S} sinks plus the block's slots up to the chunk's end. */
    int keys() {
        return sinks() + (to - blockFrom);
    }

    /** First key column of the chunk's own slots (the diagonal square). */
    int diagonalColumn() {
        return sinks() + (from - blockFrom);
    }

    SlotPieces queries() {
        return SlotPieces.of(layout, from, to);
    }

    /** The block's key slots {@code [blockFrom, to)} (after the sink columns). */
    SlotPieces windowKeys() {
        return SlotPieces.of(layout, blockFrom, to);
    }

    /**
     * The additive mask of the sink columns, {@code [rows, S]} in C order (0 visible, {@link BlockLayout#MASKED}
     * hidden: a sink after the query, or one its window already reads), or null when every row sees every sink.
     */
    float[] sinkMask() {
        int s = sinks();
        if (s == 0) {
            return null;
        }
        float[] mask = new float[rows() * s];
        boolean any = false;
        for (int r = 0; r < rows(); r++) {
            int i = layout.positionOfSlot(from + r);
            for (int j = 0; j < s; j++) {
                if (j > i || layout.windowAllows(i, j)) {
                    mask[r * s + j] = BlockLayout.MASKED;
                    any = true;
                }
            }
        }
        return any ? mask : null;
    }
}
