package dev.sinklora.prep.sft;

import java.io.Serializable;

/**
 * One row of a prep-sft shard (a Java bean so Spark encodes the int arrays without boxing).
 * Columns: {@code input_ids}, {@code labels} (same length; -100 on prompt positions),
 * {@code length} (= number of ids; rows are not padded) and {@code prompt_length}.
 */
public class SftRow implements Serializable {
    private static final long serialVersionUID = 1L;
    private int[] inputIds;
    private int[] labels;
    private int length;
    private int promptLength;

    public SftRow() {
    }

    public SftRow(int[] inputIds, int[] labels, int promptLength) {
        this.inputIds = inputIds;
        this.labels = labels;
        this.length = inputIds.length;
        this.promptLength = promptLength;
    }

    public int[] getInputIds() {
        return inputIds;
    }

    public void setInputIds(int[] v) {
        inputIds = v;
    }

    public int[] getLabels() {
        return labels;
    }

    public void setLabels(int[] v) {
        labels = v;
    }

    public int getLength() {
        return length;
    }

    public void setLength(int v) {
        length = v;
    }

    public int getPromptLength() {
        return promptLength;
    }

    public void setPromptLength(int v) {
        promptLength = v;
    }
}
