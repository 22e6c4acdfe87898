package dev.sinklora.prep.record;

import dev.sinklora.prep.io.DataPaths;
import dev.sinklora.prep.io.InputSplit;
import dev.sinklora.prep.io.LineReader;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * Lines of a JSONL split. A split that starts inside a file skips the line in progress (it belongs
 * to the previous split) and reads until the first line that starts at or after its end.
 */
final class JsonlSource extends LookaheadRecordSource {
    private final InputSplit split;
    private final LineReader reader;
    private long lines;
    private long ordinal;

    JsonlSource(InputSplit split, Configuration conf) throws IOException {
        this.split = split;
        Path path = new Path(split.file().path());
        if (split.file().compressed() || split.start() == 0) {
            this.reader = new LineReader(DataPaths.openDecompressed(path, conf), 0, RecordSources.MAX_RECORD_BYTES);
        } else {
            FSDataInputStream in = DataPaths.fs(path, conf).open(path);
            in.seek(split.start() - 1);
            this.reader = new LineReader(in, split.start() - 1, RecordSources.MAX_RECORD_BYTES);
            reader.skipPastNewline();
        }
    }

    @Override
    protected RawRecord advance() {
        try {
            while (reader.position() < split.end() && reader.next()) {
                lines++;
                if (reader.lineIsBlank()) {
                    continue;
                }
                byte[] bytes = reader.lineBytes();
                long offset = reader.lineStart();
                if (offset == 0 && bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB
                        && (bytes[2] & 0xFF) == 0xBF) {
                    bytes = Arrays.copyOfRange(bytes, 3, bytes.length); // UTF-8 byte-order mark
                }
                if (reader.lineTooLong()) {
                    return RawRecord.rejected(split.index(), ordinal++, lines, -1, offset,
                            Arrays.copyOf(bytes, Math.min(bytes.length, 1024)), RejectReason.RECORD_TOO_LARGE,
                            "line longer than " + RecordSources.MAX_RECORD_BYTES + " bytes; raw holds its first KB");
                }
                return RawRecord.of(split.index(), ordinal++, lines, -1, offset, bytes);
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + split.describe() + " after line " + lines
                    + " of the split: " + e.getMessage(), e);
        }
    }

    @Override
    public long linesInSplit() {
        return lines;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
