package dev.sinklora.prep.sft;

import dev.sinklora.model.tokenizer.HfTokenizer;
import dev.sinklora.prep.DatasetSplit;
import dev.sinklora.prep.record.Extracted;
import dev.sinklora.prep.record.RawRecord;
import dev.sinklora.prep.record.RejectedRecord;
import dev.sinklora.prep.spark.ThreadTokenizers;
import dev.sinklora.prep.spark.TokenizerFiles;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

import java.util.Iterator;

/** Encode stage: parses and tokenizes the records of one partition with a task-local tokenizer. */
final class EncodeExamples implements FlatMapFunction<Iterator<Tuple2<Long, RawRecord>>, SftItem> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(EncodeExamples.class);

    private final Broadcast<TokenizerFiles> tokenizer;
    private final PrepSftOptions o;

    EncodeExamples(Broadcast<TokenizerFiles> tokenizer, PrepSftOptions o) {
        this.tokenizer = tokenizer;
        this.o = o;
    }

    @Override
    public Iterator<SftItem> call(Iterator<Tuple2<Long, RawRecord>> records) {
        HfTokenizer tok = ThreadTokenizers.get(tokenizer.value());
        SftEncoder encoder = new SftEncoder(tok, o.template(), o.systemPrompt(), o.maxLen(), o.onOverflow());
        long start = System.nanoTime();
        return new Iterator<>() {
            private long n;
            private long tokens;

            @Override
            public boolean hasNext() {
                boolean more = records.hasNext();
                if (!more && n > 0) {
                    double s = (System.nanoTime() - start) / 1e9;
                    LOG.info("prep-sft: encoded {} records, {} tokens in {} s", n, tokens, String.format("%.1f", s));
                    n = 0;
                }
                return more;
            }

            @Override
            public SftItem next() {
                Tuple2<Long, RawRecord> kr = records.next();
                RawRecord raw = kr._2();
                n++;
                Extracted<SftExample> ex = SftExample.parse(raw);
                if (!ex.ok()) {
                    return SftItem.rejected(kr._1(), RejectedRecord.of(raw, ex.reason(), ex.detail()));
                }
                SftEncoder.Encoded e = encoder.encode(ex.value());
                if (e.dropped()) {
                    return SftItem.dropped(kr._1());
                }
                if (!e.kept()) {
                    return SftItem.rejected(kr._1(), RejectedRecord.of(raw, e.reason(), e.detail()));
                }
                tokens += e.ids().length;
                DatasetSplit d = DatasetSplit.assign(o.seed(), ex.value().splitKey(), o.valFraction());
                return SftItem.example(kr._1(), d, e.ids(), e.promptTokens(), e.truncated());
            }
        };
    }
}
