package dev.sinklora.prep.corpus;

import dev.sinklora.prep.DatasetSplit;
import org.apache.spark.api.java.function.FlatMapFunction;
import scala.Tuple2;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Places one split's documents of one dataset split in the global token stream (starting at the
 * split's prefix-sum offset) and emits them as {@link PackChunk}s keyed by position, cut at shard
 * boundaries and at {@code limit} (tokens past it are dropped: {@link LastRow#DROP}).
 */
final class ChunkDocuments implements FlatMapFunction<Iterator<CorpusItem>, Tuple2<Long, PackChunk>> {
    private static final long serialVersionUID = 1L;

    private final DatasetSplit dataset;
    private final long[] splitStarts;
    private final long shardTokens;
    private final long limit;

    /**
     * @param splitStarts per split index: stream offset of the split's first document
     * @param shardTokens tokens per shard (rows per shard x seq_len)
     * @param limit stream length kept (all tokens, or whole rows only)
     */
    ChunkDocuments(DatasetSplit dataset, long[] splitStarts, long shardTokens, long limit) {
        this.dataset = dataset;
        this.splitStarts = splitStarts;
        this.shardTokens = shardTokens;
        this.limit = limit;
    }

    @Override
    public Iterator<Tuple2<Long, PackChunk>> call(Iterator<CorpusItem> items) {
        return new Iterator<>() {
            private final ArrayDeque<Tuple2<Long, PackChunk>> ready = new ArrayDeque<>();
            private long pos = -1;

            @Override
            public boolean hasNext() {
                while (ready.isEmpty() && items.hasNext()) {
                    CorpusItem it = items.next();
                    if (it.kind == CorpusItem.Kind.DOC && it.dataset == dataset) {
                        if (pos < 0) {
                            pos = splitStarts[it.split];
                        }
                        cut(it.tokens);
                    }
                }
                return !ready.isEmpty();
            }

            @Override
            public Tuple2<Long, PackChunk> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.poll();
            }

            private void cut(int[] doc) {
                int from = 0;
                while (from < doc.length && pos < limit) {
                    long shardEnd = Math.min(limit, (pos / shardTokens + 1) * shardTokens);
                    int to = (int) Math.min(doc.length, from + (shardEnd - pos));
                    int[] part = from == 0 && to == doc.length ? doc : Arrays.copyOfRange(doc, from, to);
                    ready.add(new Tuple2<>(pos, new PackChunk(pos, part, from == 0)));
                    pos += to - from;
                    from = to;
                }
                pos += doc.length - from; // tokens past the limit: dropped
            }
        };
    }
}
