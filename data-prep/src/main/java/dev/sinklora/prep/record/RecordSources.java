package dev.sinklora.prep.record;

import dev.sinklora.prep.io.InputSplit;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;

/** Opens the right {@link RecordSource} for a split's format. */
public final class RecordSources {
    /** Records larger than this are rejected as {@code record_too_large} (keeping their first KB). */
    public static final int MAX_RECORD_BYTES = 512 << 20;

    private RecordSources() {
    }

    /** @param textField the Parquet column holding the text (ignored for other formats) */
    public static RecordSource open(InputSplit split, Configuration conf, String textField) throws IOException {
        return switch (split.file().format()) {
            case JSONL -> new JsonlSource(split, conf);
            case JSON_ARRAY -> new JsonArraySource(split, conf);
            case TEXT -> new TextFileSource(split, conf);
            case PARQUET -> new ParquetSource(split, conf, textField);
        };
    }
}
