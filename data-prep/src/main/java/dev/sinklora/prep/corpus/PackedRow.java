package dev.sinklora.prep.corpus;

import java.io.Serializable;

/**
 * One row of a prep-corpus shard (a Java bean so Spark encodes the int arrays without boxing).
 * Columns: {@code input_ids} (seq_len ids), {@code doc_starts} (offsets in the row where a
 * document's BOS sits, ascending), {@code length} (real tokens: seq_len except a padded last row).
 */
public class PackedRow implements Serializable {
    private static final long serialVersionUID = 1L;
    private int[] inputIds;
    private int[] docStarts;
    private int length;

    public PackedRow() {
    }

    public PackedRow(int[] inputIds, int[] docStarts, int length) {
        this.inputIds = inputIds;
        this.docStarts = docStarts;
        this.length = length;
    }

    public int[] getInputIds() {
        return inputIds;
    }

    public void setInputIds(int[] inputIds) {
        this.inputIds = inputIds;
    }

    public int[] getDocStarts() {
        return docStarts;
    }

    public void setDocStarts(int[] docStarts) {
        this.docStarts = docStarts;
    }

    public int getLength() {
        return length;
    }

    public void setLength(int length) {
        this.length = length;
    }
}
