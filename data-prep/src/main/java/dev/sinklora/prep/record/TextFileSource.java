package dev.sinklora.prep.record;

import dev.sinklora.prep.io.DataPaths;
import dev.sinklora.prep.io.InputSplit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.util.NoSuchElementException;

/** A plain text file (optionally compressed): one record holding the whole content. */
final class TextFileSource implements RecordSource {
    private final InputSplit split;
    private final Configuration conf;
    private boolean consumed;

    TextFileSource(InputSplit split, Configuration conf) {
        this.split = split;
        this.conf = conf;
    }

    @Override
    public boolean hasNext() {
        return !consumed;
    }

    @Override
    public RawRecord next() {
        if (consumed) {
            throw new NoSuchElementException();
        }
        consumed = true;
        try (InputStream in = DataPaths.openDecompressed(new Path(split.file().path()), conf)) {
            byte[] bytes = in.readNBytes(RecordSources.MAX_RECORD_BYTES);
            if (in.read() != -1) {
                return RawRecord.rejected(split.index(), 0, -1, -1, -1, java.util.Arrays.copyOf(bytes, 1024),
                        RejectReason.RECORD_TOO_LARGE, "text file larger than " + RecordSources.MAX_RECORD_BYTES
                                + " bytes; raw holds its first KB");
            }
            if (bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB
                    && (bytes[2] & 0xFF) == 0xBF) {
                bytes = java.util.Arrays.copyOfRange(bytes, 3, bytes.length);
            }
            return RawRecord.of(split.index(), 0, -1, -1, -1, bytes);
        } catch (java.io.EOFException e) {
            if (!split.file().compressed()) {
                throw new java.io.UncheckedIOException("reading " + split.file().path() + ": " + e.getMessage(), e);
            }
            return RawRecord.rejected(split.index(), 0, -1, -1, -1, new byte[0], RejectReason.TRUNCATED_FILE,
                    "the compressed file ends early (" + e.getMessage() + "): the document is incomplete");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("reading " + split.file().path() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public long linesInSplit() {
        return 0;
    }

    @Override
    public void close() {
    }
}
