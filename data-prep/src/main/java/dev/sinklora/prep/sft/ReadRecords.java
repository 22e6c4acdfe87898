package dev.sinklora.prep.sft;

import dev.sinklora.prep.io.InputSplit;
import dev.sinklora.prep.record.RawRecord;
import dev.sinklora.prep.record.RecordSource;
import dev.sinklora.prep.record.RecordSources;
import dev.sinklora.prep.spark.TaskResources;
import dev.sinklora.spark.HadoopConf;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import scala.Tuple2;

import java.io.IOException;
import java.util.Collections;
import java.util.Iterator;

/** Read stage: the raw records of one input file, keyed by {@link RecordKeys#key}. */
final class ReadRecords implements FlatMapFunction<Iterator<InputSplit>, Tuple2<Long, RawRecord>> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<HadoopConf> conf;

    ReadRecords(Broadcast<HadoopConf> conf) {
        this.conf = conf;
    }

    @Override
    public Iterator<Tuple2<Long, RawRecord>> call(Iterator<InputSplit> splits) throws IOException {
        if (!splits.hasNext()) {
            return Collections.emptyIterator();
        }
        InputSplit split = splits.next();
        RecordSource source = TaskResources.closeAtTaskEnd(RecordSources.open(split, conf.value().get(), "text"));
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return source.hasNext();
            }

            @Override
            public Tuple2<Long, RawRecord> next() {
                RawRecord r = source.next();
                return new Tuple2<>(RecordKeys.key(split.index(), r.ordinal()), r);
            }
        };
    }
}
