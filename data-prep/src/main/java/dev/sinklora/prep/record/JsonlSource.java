package dev.sinklora.prep.record;

import dev.sinklora.model.BadInputException;
import dev.sinklora.prep.io.DataPaths;
import dev.sinklora.prep.io.InputSplit;
import dev.sinklora.prep.io.LineReader;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Lines of a JSONL split. A split that starts inside a file skips the line in progress (it belongs
 * to the previous split) and reads until the first line that starts at or after its end. A compressed
 * file that breaks off keeps the records read and rejects the rest as {@code truncated_file}; a file
 * whose first line opens a JSON array fails, saying so.
 */
final class JsonlSource extends LookaheadRecordSource {
    private static final Logger LOG = LoggerFactory.getLogger(JsonlSource.class);
    private final InputSplit split;
    private final LineReader reader;
    private long lines;
    private long ordinal;
    private boolean seenRecord;  // a non-blank line was read
    private boolean truncated;   // the compressed stream broke off: nothing more to read

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
        if (truncated) {
            return null;
        }
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
                if (!seenRecord && split.start() == 0) {
                    checkNotAJsonArray(bytes);
                }
                seenRecord = true;
                if (reader.lineTooLong()) {
                    return RawRecord.rejected(split.index(), ordinal++, lines, -1, offset,
                            Arrays.copyOf(bytes, Math.min(bytes.length, 1024)), RejectReason.RECORD_TOO_LARGE,
                            "line longer than " + RecordSources.MAX_RECORD_BYTES + " bytes; raw holds its first KB");
                }
                return RawRecord.of(split.index(), ordinal++, lines, -1, offset, bytes);
            }
            return null;
        } catch (EOFException e) {
            if (!split.file().compressed()) {
                throw new UncheckedIOException("reading " + split.describe() + " after line " + lines
                        + " of the split: " + e.getMessage(), e);
            }
            truncated = true;
            byte[] partial = reader.lineBytes();
            LOG.warn("{}: the compressed file ends early after line {} ({}); keeping the {} records before, rejecting "
                    + "the rest as truncated_file", split.file().path(), lines, e.getMessage(), ordinal);
            return RawRecord.rejected(split.index(), ordinal++, lines + 1, -1, reader.lineStart(),
                    Arrays.copyOf(partial, Math.min(partial.length, 1024)), RejectReason.TRUNCATED_FILE,
                    "the compressed file ends early (" + e.getMessage() + ") inside line " + (lines + 1)
                            + ": the records before it are kept, the rest of the file is lost; raw holds the partial"
                            + " line's first KB");
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + split.describe() + " after line " + lines
                    + " of the split: " + e.getMessage(), e);
        }
    }

    /**
     * A pretty-printed JSON array ({@code [} alone, or {@code [{...} without the closing bracket, on its first line)
     * is one document spread over many lines, not JSONL: say so once rather than reject every line as invalid JSON.
     */
    private void checkNotAJsonArray(byte[] firstLine) {
        String head = new String(firstLine, 0, Math.min(firstLine.length, 4096), StandardCharsets.UTF_8).strip();
        if (head.startsWith("[") && !(head.endsWith("]") && firstLine.length <= 4096)) {
            throw new BadInputException(split.file().path() + ": line " + lines + " opens a JSON array ('['): the file"
                    + " looks like one pretty-printed JSON array, not JSONL (one JSON object per line); convert it, e.g."
                    + " jq -c '.[]' FILE > FILE.jsonl");
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
