package dev.sinklora.prep.corpus;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RowAssemblerTest {
    static List<PackedRow> drain(RowAssembler a) {
        List<PackedRow> rows = new ArrayList<>();
        a.forEachRemaining(rows::add);
        return rows;
    }

    @Test
    void fillsRowsRecordsDocStartsAndPadsTheLastRow() {
        // Stream: doc A = 1,10,11,2 ; doc B = 1,20,21,22,23,2 (split over two chunks) ; seq_len 4
        List<PackChunk> chunks = List.of(
                new PackChunk(0, new int[]{1, 10, 11, 2}, true),
                new PackChunk(4, new int[]{1, 20, 21}, true),
                new PackChunk(7, new int[]{22, 23, 2}, false));
        List<PackedRow> rows = drain(new RowAssembler(chunks.iterator(), 4, 0, 3, 0));
        assertEquals(3, rows.size());
        assertArrayEquals(new int[]{1, 10, 11, 2}, rows.get(0).getInputIds());
        assertArrayEquals(new int[]{0}, rows.get(0).getDocStarts());
        assertArrayEquals(new int[]{1, 20, 21, 22}, rows.get(1).getInputIds());
        assertArrayEquals(new int[]{0}, rows.get(1).getDocStarts());
        assertArrayEquals(new int[]{23, 2, 0, 0}, rows.get(2).getInputIds());
        assertArrayEquals(new int[]{}, rows.get(2).getDocStarts());
        assertEquals(2, rows.get(2).getLength());
        assertEquals(4, rows.get(1).getLength());
    }

    @Test
    void gapsAndMissingRowsAreBugsNotSilentlyWrongOutput() {
        List<PackChunk> gap = List.of(new PackChunk(0, new int[]{1, 2}, true), new PackChunk(3, new int[]{1, 2}, true));
        assertThrows(IllegalStateException.class, () -> drain(new RowAssembler(gap.iterator(), 4, 0, 1, 0)));
        List<PackChunk> few = List.of(new PackChunk(8, new int[]{1, 2, 3, 4}, true));
        assertThrows(IllegalStateException.class, () -> drain(new RowAssembler(few.iterator(), 4, 2, 2, 0)));
    }
}
