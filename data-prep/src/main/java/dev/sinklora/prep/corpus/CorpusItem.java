package dev.sinklora.prep.corpus;

import dev.sinklora.prep.DatasetSplit;
import dev.sinklora.prep.record.RejectedRecord;

import java.io.Serializable;

/**
 * What the tokenize stage emits (and caches) per input split, in input order: tokenized
 * documents, rejected records, and one final {@link Kind#SPLIT_END} carrying the split's line count.
 */
public final class CorpusItem implements Serializable {
    private static final long serialVersionUID = 1L;

    public enum Kind { DOC, REJECTED, SPLIT_END }

    public final Kind kind;
    public final int split;
    /** DOC: train or validation. */
    public final DatasetSplit dataset;
    /** DOC: BOS (if any) + the document's tokens + EOS. */
    public final int[] tokens;
    /** DOC: the document's own tokens (without BOS/EOS). */
    public final int ownTokens;
    /** REJECTED: the record. */
    public final RejectedRecord rejected;
    /** SPLIT_END: lines whose first byte is in the split. */
    public final long lines;

    private CorpusItem(Kind kind, int split, DatasetSplit dataset, int[] tokens, int ownTokens,
                       RejectedRecord rejected, long lines) {
        this.kind = kind;
        this.split = split;
        this.dataset = dataset;
        this.tokens = tokens;
        this.ownTokens = ownTokens;
        this.rejected = rejected;
        this.lines = lines;
    }

    public static CorpusItem doc(int split, DatasetSplit dataset, int[] tokens, int ownTokens) {
        return new CorpusItem(Kind.DOC, split, dataset, tokens, ownTokens, null, 0);
    }

    public static CorpusItem rejected(RejectedRecord r) {
        return new CorpusItem(Kind.REJECTED, r.splitIndex(), null, null, 0, r, 0);
    }

    public static CorpusItem splitEnd(int split, long lines) {
        return new CorpusItem(Kind.SPLIT_END, split, null, null, 0, null, lines);
    }
}
