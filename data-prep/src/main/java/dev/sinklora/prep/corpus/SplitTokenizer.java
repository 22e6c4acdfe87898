package dev.sinklora.prep.corpus;

import dev.sinklora.model.tokenizer.HfTokenizer;
import dev.sinklora.prep.DatasetSplit;
import dev.sinklora.prep.io.InputSplit;
import dev.sinklora.prep.record.Extracted;
import dev.sinklora.prep.record.RawRecord;
import dev.sinklora.prep.record.RecordSource;
import dev.sinklora.prep.record.RecordSources;
import dev.sinklora.prep.record.RejectedRecord;
import dev.sinklora.prep.record.TextExtractor;
import dev.sinklora.prep.spark.TaskResources;
import dev.sinklora.prep.spark.ThreadTokenizers;
import dev.sinklora.prep.spark.TokenizerFiles;
import dev.sinklora.spark.HadoopConf;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The tokenize stage for one input split (one split per partition): reads records lazily,
 * rejects bad ones, tokenizes each whole document with a task-local tokenizer, wraps it in
 * BOS/EOS, assigns train/validation, and ends with a {@link CorpusItem.Kind#SPLIT_END} item.
 */
final class SplitTokenizer implements FlatMapFunction<Iterator<InputSplit>, CorpusItem> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SplitTokenizer.class);

    private final Broadcast<TokenizerFiles> tokenizer;
    private final Broadcast<HadoopConf> conf;
    private final String textField;
    private final long seed;
    private final double valFraction;
    private final int totalSplits;

    SplitTokenizer(Broadcast<TokenizerFiles> tokenizer, Broadcast<HadoopConf> conf, String textField, long seed,
                   double valFraction, int totalSplits) {
        this.tokenizer = tokenizer;
        this.conf = conf;
        this.textField = textField;
        this.seed = seed;
        this.valFraction = valFraction;
        this.totalSplits = totalSplits;
    }

    @Override
    public Iterator<CorpusItem> call(Iterator<InputSplit> splits) throws IOException {
        if (!splits.hasNext()) {
            return Collections.emptyIterator();
        }
        InputSplit split = splits.next();
        if (splits.hasNext()) {
            throw new IllegalStateException("expected one input split per partition");
        }
        return new Items(split);
    }

    private final class Items implements Iterator<CorpusItem> {
        private final InputSplit split;
        private final RecordSource source;
        private final HfTokenizer tok;
        private final long startNanos = System.nanoTime();
        private long docs;
        private long rejected;
        private long tokens;
        private CorpusItem next;
        private boolean finished;

        Items(InputSplit split) throws IOException {
            this.split = split;
            this.tok = ThreadTokenizers.get(tokenizer.value());
            this.source = TaskResources.closeAtTaskEnd(RecordSources.open(split, conf.value().get(), textField));
        }

        @Override
        public boolean hasNext() {
            if (next == null && !finished) {
                next = advance();
            }
            return next != null;
        }

        @Override
        public CorpusItem next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            CorpusItem r = next;
            next = null;
            return r;
        }

        private CorpusItem advance() {
            if (source.hasNext()) {
                RawRecord raw = source.next();
                Extracted<String> text = TextExtractor.extract(raw, split.file().format(), textField);
                if (!text.ok()) {
                    rejected++;
                    return CorpusItem.rejected(RejectedRecord.of(raw, text.reason(), text.detail()));
                }
                int[] ids = tok.encode(text.value());
                docs++;
                tokens += ids.length;
                return CorpusItem.doc(split.index(), DatasetSplit.assign(seed, text.value(), valFraction),
                        wrap(ids), ids.length);
            }
            finished = true;
            try {
                source.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            double secs = (System.nanoTime() - startNanos) / 1e9;
            LOG.info("tokenized split {}/{} ({}): {} documents, {} rejected, {} tokens in {} s ({} tokens/s)",
                    split.index() + 1, totalSplits, split.describe(), docs, rejected, tokens,
                    String.format("%.1f", secs), String.format("%.0f", tokens / Math.max(secs, 1e-9)));
            return CorpusItem.splitEnd(split.index(), source.linesInSplit());
        }

        private int[] wrap(int[] ids) {
            int bos = tok.bosId();
            int head = bos >= 0 ? 1 : 0;
            int[] out = new int[ids.length + head + 1];
            if (head == 1) {
                out[0] = bos;
            }
            System.arraycopy(ids, 0, out, head, ids.length);
            out[out.length - 1] = tok.eosId();
            return out;
        }
    }
}
