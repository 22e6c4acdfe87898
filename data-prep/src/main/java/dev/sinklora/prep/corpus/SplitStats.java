package dev.sinklora.prep.corpus;

import dev.sinklora.prep.DatasetSplit;

import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts for one input split, computed from the cached tokenize output; the driver sums them for
 * the manifest and prefix-sums {@link #packedTokens} to place each split's documents in the
 * global token stream.
 */
public final class SplitStats implements Serializable {
    private static final long serialVersionUID = 1L;

    public int split = -1;
    public long lines;
    public long rejected;
    public final long[] documents = new long[2];
    /** Documents' own tokens, per {@link DatasetSplit} ordinal. */
    public final long[] tokens = new long[2];
    /** Tokens in the packed stream (with BOS/EOS), per {@link DatasetSplit} ordinal. */
    public final long[] packedTokens = new long[2];
    public final TreeMap<String, Long> rejectedByReason = new TreeMap<>();

    public long records() {
        return documents[0] + documents[1] + rejected;
    }

    /** Counts one partition (= one split) of tokenize output. */
    public static Iterator<SplitStats> of(Iterator<CorpusItem> items) {
        SplitStats s = new SplitStats();
        while (items.hasNext()) {
            CorpusItem it = items.next();
            s.split = it.split;
            switch (it.kind) {
                case DOC -> {
                    int d = it.dataset.ordinal();
                    s.documents[d]++;
                    s.tokens[d] += it.ownTokens;
                    s.packedTokens[d] += it.tokens.length;
                }
                case REJECTED -> {
                    s.rejected++;
                    s.rejectedByReason.merge(it.rejected.reason(), 1L, Long::sum);
                }
                case SPLIT_END -> s.lines = it.lines;
            }
        }
        return s.split < 0 ? java.util.Collections.emptyIterator() : List.of(s).iterator();
    }

    /** Sum over splits. */
    public static SplitStats total(List<SplitStats> all) {
        SplitStats t = new SplitStats();
        for (SplitStats s : all) {
            t.lines += s.lines;
            t.rejected += s.rejected;
            for (int d = 0; d < 2; d++) {
                t.documents[d] += s.documents[d];
                t.tokens[d] += s.tokens[d];
                t.packedTokens[d] += s.packedTokens[d];
            }
            for (Map.Entry<String, Long> e : s.rejectedByReason.entrySet()) {
                t.rejectedByReason.merge(e.getKey(), e.getValue(), Long::sum);
            }
        }
        return t;
    }
}
