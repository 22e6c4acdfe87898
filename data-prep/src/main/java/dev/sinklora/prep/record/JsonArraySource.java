package dev.sinklora.prep.record;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sinklora.model.BadInputException;
import dev.sinklora.prep.io.DataPaths;
import dev.sinklora.prep.io.InputSplit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The elements of a file holding one JSON array (LongAlpaca's format), streamed: each element is
 * re-serialized as the record's raw bytes, with the line it starts on. A broken array (unlike a
 * broken JSONL line) cannot be resynchronised, so it fails the job naming file, line and element.
 */
final class JsonArraySource extends LookaheadRecordSource {
    private final InputSplit split;
    private final JsonParser parser;
    private long ordinal;

    JsonArraySource(InputSplit split, Configuration conf) throws IOException {
        this.split = split;
        this.parser = Json.STREAM.getFactory().createParser(
                DataPaths.openDecompressed(new Path(split.file().path()), conf));
        try {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw fail("expected a JSON array", null);
            }
        } catch (JsonProcessingException e) {
            throw fail(e.getOriginalMessage(), null);
        }
    }

    @Override
    protected RawRecord advance() {
        try {
            JsonToken t = parser.nextToken();
            if (t == JsonToken.END_ARRAY) {
                if (parser.nextToken() != null) {
                    throw fail("unexpected content after the closing ']'", null);
                }
                return null;
            }
            if (t == null) {
                throw fail("the array is not closed (file truncated?)", null);
            }
            long line = parser.currentTokenLocation().getLineNr();
            long offset = parser.currentTokenLocation().getByteOffset();
            JsonNode node = parser.readValueAsTree();
            return RawRecord.of(split.index(), ordinal++, line, -1, offset, Json.RECORDS.writeValueAsBytes(node));
        } catch (JsonProcessingException e) {
            throw fail(e.getOriginalMessage(), null);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + split.file().path() + ": " + e.getMessage(), e);
        }
    }

    /** The message says everything; no cause, so the exception serializes back to the driver. */
    private BadInputException fail(String why, Exception cause) {
        var loc = parser.currentLocation();
        return new BadInputException(split.file().path() + ": invalid JSON array at line " + loc.getLineNr()
                + ", column " + loc.getColumnNr() + " (element " + (ordinal + 1) + "): " + why, cause);
    }

    @Override
    public long linesInSplit() {
        return 0;
    }

    @Override
    public void close() throws IOException {
        parser.close();
    }
}
