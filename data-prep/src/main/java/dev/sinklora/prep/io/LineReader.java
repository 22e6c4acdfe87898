package dev.sinklora.prep.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads '\n'-terminated lines as raw bytes (no decoding: bad bytes must reach the rejected sink
 * unchanged) and knows the byte offset where each line starts. A trailing '\r' is dropped.
 */
public final class LineReader implements Closeable {
    private final InputStream in;
    private final byte[] buf = new byte[64 << 10];
    private int bufPos;
    private int bufLen;
    private long bufStartOffset;
    private final int maxLineBytes;
    private byte[] line = new byte[4096];
    private int lineLen;
    private long lineStart;
    private boolean tooLong;
    private IOException pendingError; // a read error after the bytes now in buf, thrown by the next fill

    /**
     * @param startOffset the byte offset in the file of the stream's current position
     * @param maxLineBytes longer lines keep only this many bytes and report {@link #lineTooLong()}
     */
    public LineReader(InputStream in, long startOffset, int maxLineBytes) {
        this.in = in;
        this.bufStartOffset = startOffset;
        this.maxLineBytes = maxLineBytes;
    }

    /** Offset of the next unread byte (the start of the next line after {@link #next()}). */
    public long position() {
        return bufStartOffset + bufPos;
    }

    /** Consumes bytes up to and including the next '\n' (to skip a line that began in the previous split). */
    public void skipPastNewline() throws IOException {
        while (true) {
            if (bufPos == bufLen && !fill()) {
                return;
            }
            for (int i = bufPos; i < bufLen; i++) {
                if (buf[i] == '\n') {
                    bufPos = i + 1;
                    return;
                }
            }
            bufPos = bufLen;
        }
    }

    /** Reads the next line; false at end of stream. */
    public boolean next() throws IOException {
        lineStart = position(); // set first: after a failed read, lineStart/lineBytes() describe the partial line
        lineLen = 0;
        tooLong = false;
        if (bufPos == bufLen && !fill()) {
            return false;
        }
        while (true) {
            int i = bufPos;
            while (i < bufLen && buf[i] != '\n') {
                i++;
            }
            append(bufPos, i - bufPos);
            if (i < bufLen) {
                bufPos = i + 1;
                break;
            }
            bufPos = bufLen;
            if (!fill()) {
                break;
            }
        }
        if (lineLen > 0 && line[lineLen - 1] == '\r') {
            lineLen--;
        }
        return true;
    }

    /** True if the current line was longer than the limit (then {@link #lineBytes()} is its first bytes only). */
    public boolean lineTooLong() {
        return tooLong;
    }

    /** Offset of the first byte of the current line. */
    public long lineStart() {
        return lineStart;
    }

    /** A copy of the current line's bytes (without the line terminator). */
    public byte[] lineBytes() {
        return Arrays.copyOf(line, lineLen);
    }

    /** True if the current line has only spaces, tabs or '\r' (blank lines are not records). */
    public boolean lineIsBlank() {
        for (int i = 0; i < lineLen; i++) {
            byte b = line[i];
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    private void append(int from, int len) {
        if (lineLen + len > maxLineBytes) {
            tooLong = true;
            len = maxLineBytes - lineLen;
        }
        if (lineLen + len > line.length) {
            line = Arrays.copyOf(line, (int) Math.min(maxLineBytes, Math.max((long) line.length * 2, (long) lineLen + len)));
        }
        System.arraycopy(buf, from, line, lineLen, len);
        lineLen += len;
    }

    /**
     * Refills the buffer. A read error after some bytes arrived is held back until those bytes are consumed, so a
     * stream that breaks off (a truncated .gz) still delivers everything before the break.
     */
    private boolean fill() throws IOException {
        bufStartOffset += bufLen;
        bufPos = 0;
        bufLen = 0;
        if (pendingError != null) {
            IOException e = pendingError;
            pendingError = null;
            throw e;
        }
        int n = 0;
        try {
            while (n < buf.length) {
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
        } catch (IOException e) {
            if (n == 0) {
                throw e;
            }
            pendingError = e;
        }
        bufLen = n;
        return n > 0;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
