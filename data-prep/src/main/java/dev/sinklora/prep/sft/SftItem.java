package dev.sinklora.prep.sft;

import dev.sinklora.prep.DatasetSplit;
import dev.sinklora.prep.record.RejectedRecord;

import java.io.Serializable;

/**
 * What the encode stage emits (and caches) per input record, keyed by its place in the input:
 * an encoded example, a rejected record, or a dropped (too long) example.
 */
public final class SftItem implements Serializable {
    private static final long serialVersionUID = 1L;

    public enum Kind { EXAMPLE, REJECTED, DROPPED }

    public final Kind kind;
    /** {@link RecordKeys} key: (split index, ordinal in split). */
    public final long key;
    public final DatasetSplit dataset;
    public final int[] ids;
    public final int promptTokens;
    public final boolean truncated;
    public final RejectedRecord rejected;

    private SftItem(Kind kind, long key, DatasetSplit dataset, int[] ids, int promptTokens, boolean truncated,
                    RejectedRecord rejected) {
        this.kind = kind;
        this.key = key;
        this.dataset = dataset;
        this.ids = ids;
        this.promptTokens = promptTokens;
        this.truncated = truncated;
        this.rejected = rejected;
    }

    public static SftItem example(long key, DatasetSplit d, int[] ids, int promptTokens, boolean truncated) {
        return new SftItem(Kind.EXAMPLE, key, d, ids, promptTokens, truncated, null);
    }

    public static SftItem rejected(long key, RejectedRecord r) {
        return new SftItem(Kind.REJECTED, key, null, null, 0, false, r);
    }

    public static SftItem dropped(long key) {
        return new SftItem(Kind.DROPPED, key, null, null, 0, false, null);
    }
}
