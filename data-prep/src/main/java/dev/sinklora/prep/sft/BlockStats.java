package dev.sinklora.prep.sft;

import dev.sinklora.prep.DatasetSplit;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;

/**
 * Counts for one block of input records (see {@link RecordKeys}); the driver sums them for the
 * manifest and prefix-sums {@link #examples} over blocks in input order to number output rows.
 */
public final class BlockStats implements Serializable {
    private static final long serialVersionUID = 1L;

    public long block;
    public long records;
    public long rejected;
    public long dropped;
    public final long[] examples = new long[2];
    public final long[] truncated = new long[2];
    public final long[] promptTokens = new long[2];
    public final long[] targetTokens = new long[2];
    public final TreeMap<String, Long> rejectedByReason = new TreeMap<>();

    void add(SftItem it) {
        records++;
        switch (it.kind) {
            case EXAMPLE -> {
                int d = it.dataset.ordinal();
                examples[d]++;
                promptTokens[d] += it.promptTokens;
                targetTokens[d] += it.ids.length - it.promptTokens;
                if (it.truncated) {
                    truncated[d]++;
                }
            }
            case REJECTED -> {
                rejected++;
                rejectedByReason.merge(it.rejected.reason(), 1L, Long::sum);
            }
            case DROPPED -> dropped++;
        }
    }

    /** Counts a partition whose items are sorted by key (whole blocks, in order). */
    static Iterator<BlockStats> of(Iterator<SftItem> items) {
        List<BlockStats> out = new ArrayList<>();
        BlockStats cur = null;
        while (items.hasNext()) {
            SftItem it = items.next();
            long b = RecordKeys.block(it.key);
            if (cur == null || cur.block != b) {
                cur = new BlockStats();
                cur.block = b;
                out.add(cur);
            }
            cur.add(it);
        }
        return out.iterator();
    }

    static BlockStats total(List<BlockStats> all) {
        BlockStats t = new BlockStats();
        for (BlockStats s : all) {
            t.records += s.records;
            t.rejected += s.rejected;
            t.dropped += s.dropped;
            for (int d = 0; d < DatasetSplit.values().length; d++) {
                t.examples[d] += s.examples[d];
                t.truncated[d] += s.truncated[d];
                t.promptTokens[d] += s.promptTokens[d];
                t.targetTokens[d] += s.targetTokens[d];
            }
            s.rejectedByReason.forEach((k, v) -> t.rejectedByReason.merge(k, v, Long::sum));
        }
        return t;
    }
}
