package dev.sinklora.prep.sft;

import dev.sinklora.prep.DatasetSplit;
import org.apache.spark.api.java.function.FlatMapFunction;
import scala.Tuple2;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Gives each kept example of one dataset split its output row number: the block's start (prefix
 * sum over earlier blocks, in input order) plus its rank within the block. Partitions hold whole
 * blocks in key order, so ranks are counted as items stream by.
 */
final class NumberRows implements FlatMapFunction<Iterator<SftItem>, Tuple2<Long, SftRow>> {
    private static final long serialVersionUID = 1L;
    private final DatasetSplit dataset;
    private final long[] blocks;
    private final long[] starts;

    /** @param blocks sorted block ids; @param starts row number of each block's first kept example */
    NumberRows(DatasetSplit dataset, long[] blocks, long[] starts) {
        this.dataset = dataset;
        this.blocks = blocks;
        this.starts = starts;
    }

    @Override
    public Iterator<Tuple2<Long, SftRow>> call(Iterator<SftItem> items) {
        return new Iterator<>() {
            private long block = -1;
            private long next;
            private SftItem pending;

            @Override
            public boolean hasNext() {
                while (pending == null && items.hasNext()) {
                    SftItem it = items.next();
                    if (it.kind == SftItem.Kind.EXAMPLE && it.dataset == dataset) {
                        pending = it;
                    }
                }
                return pending != null;
            }

            @Override
            public Tuple2<Long, SftRow> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                SftItem it = pending;
                pending = null;
                long b = RecordKeys.block(it.key);
                if (b != block) {
                    int i = Arrays.binarySearch(blocks, b);
                    if (i < 0) {
                        throw new IllegalStateException("block " + b + " was not counted");
                    }
                    block = b;
                    next = starts[i];
                }
                int[] labels = it.ids.clone();
                Arrays.fill(labels, 0, Math.min(it.promptTokens, labels.length), SftEncoder.IGNORE_INDEX);
                return new Tuple2<>(next++, new SftRow(it.ids, labels, it.promptTokens));
            }
        };
    }
}
