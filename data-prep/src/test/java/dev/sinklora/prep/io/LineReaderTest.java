package dev.sinklora.prep.io;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LineReaderTest {

    /** Reads [start, end) the way JsonlSource does: skip the partial first line, stop at the first line starting >= end. */
    static List<String> readSplit(byte[] data, long start, long end) throws IOException {
        LineReader r;
        if (start == 0) {
            r = new LineReader(new ByteArrayInputStream(data), 0, 1 << 20);
        } else {
            r = new LineReader(new ByteArrayInputStream(data, (int) start - 1, data.length), start - 1, 1 << 20);
            r.skipPastNewline();
        }
        List<String> lines = new ArrayList<>();
        while (r.position() < end && r.next()) {
            lines.add(r.lineStart() + ":" + new String(r.lineBytes(), StandardCharsets.UTF_8));
        }
        return lines;
    }

    @Test
    void everyLineIsReadExactlyOnceWhateverTheSplitSize() throws IOException {
        Random rnd = new Random(1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            sb.append("line").append(i).append("x".repeat(rnd.nextInt(rnd.nextInt(5) == 0 ? 300 : 20)));
            sb.append(rnd.nextInt(6) == 0 ? "\r\n" : "\n");
            if (rnd.nextInt(10) == 0) {
                sb.append("\n");
            }
        }
        sb.append("last line without newline");
        byte[] data = sb.toString().getBytes(StandardCharsets.UTF_8);
        List<String> whole = readSplit(data, 0, Long.MAX_VALUE);
        for (int splitSize : new int[]{1, 2, 7, 64, 333, 1000, data.length}) {
            List<String> joined = new ArrayList<>();
            for (long s = 0; s < data.length; s += splitSize) {
                joined.addAll(readSplit(data, s, Math.min(data.length, s + splitSize) == data.length
                        ? Long.MAX_VALUE : s + splitSize));
            }
            assertEquals(whole, joined, "split size " + splitSize);
        }
        assertTrue(whole.get(whole.size() - 1).endsWith(":last line without newline"));
        assertTrue(whole.stream().noneMatch(l -> l.endsWith("\r")), "CR of CRLF dropped");
    }

    @Test
    void overlongLinesAreCutAndFlagged() throws IOException {
        byte[] data = ("short\n" + "y".repeat(100) + "\nafter\n").getBytes(StandardCharsets.UTF_8);
        LineReader r = new LineReader(new ByteArrayInputStream(data), 0, 10);
        assertTrue(r.next());
        assertEquals("short", new String(r.lineBytes(), StandardCharsets.UTF_8));
        assertTrue(r.next());
        assertTrue(r.lineTooLong());
        assertEquals(10, r.lineBytes().length);
        assertTrue(r.next());
        assertEquals("after", new String(r.lineBytes(), StandardCharsets.UTF_8));
        assertEquals(107, r.lineStart());
    }
}
