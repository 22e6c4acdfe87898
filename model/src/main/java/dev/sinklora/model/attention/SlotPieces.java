package dev.sinklora.model.attention;

import java.util.ArrayList;
import java.util.List;

/**
 * A range of real slots of a {@link BlockLayout} as runs of consecutive positions: one run for the
 * plain and reassembled layouts, up to two where the wrap layout's last block crosses from position
 * {@code N-1} to 0. {@code offset} is the run's first row within the slot range.
 */
record SlotPieces(List<Piece> pieces, int length) {

    record Piece(int offset, int position, int length) {
    }

    /** Slots {@code [from, to)}, all real (no padding), in slot order. */
    static SlotPieces of(BlockLayout layout, int from, int to) {
        List<Piece> pieces = new ArrayList<>(2);
        int start = from;
        for (int s = from + 1; s <= to; s++) {
            if (s == to || layout.positionOfSlot(s) != layout.positionOfSlot(s - 1) + 1) {
                int position = layout.positionOfSlot(start);
                if (position < 0) {
                    throw new IllegalStateException("slot " + start + " is padding");
                }
                pieces.add(new Piece(start - from, position, s - start));
                start = s;
            }
        }
        return new SlotPieces(List.copyOf(pieces), to - from);
    }

    /** Whether the range is one run of positions, i.e. a plain view of the position-ordered tensor. */
    boolean contiguous() {
        return pieces.size() == 1;
    }
}
