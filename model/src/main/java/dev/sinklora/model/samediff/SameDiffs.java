package dev.sinklora.model.samediff;

import org.nd4j.autodiff.samediff.SameDiff;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Small workarounds around SameDiff 1.0.0-M2.1. */
public final class SameDiffs {

    /** What SameDiff 1.0.0-M2.1 prints to System.out, once per op, whenever it builds a gradient function. */
    static final String NOISE = "Added differentiated op ";
    private static PrintStream installed;

    private SameDiffs() {
    }

    /**
     * {@code SameDiff.createGradFunction} prints one line per op to System.out (a leftover println
     * in M2.1), which would bury the CLI's JSON-on-stdout contract and flood executor logs; DL4J
     * layers call it where we cannot wrap the call. Wraps the current System.out (unless it is
     * already our wrapper) in one that drops exactly those lines and passes everything else through.
     */
    public static synchronized void silenceGradFunctionNoise() {
        if (System.out != installed) {
            installed = new PrintStream(new LineFilter(System.out), true, StandardCharsets.UTF_8);
            System.setOut(installed);
        }
    }

    /** Builds {@code sd}'s gradient function without its per-op println. */
    public static void createGradFunctionQuietly(SameDiff sd) {
        silenceGradFunctionNoise();
        sd.createGradFunction();
    }

    /** Forwards whole lines to {@code out}, dropping the ones that start with {@link #NOISE}. */
    static final class LineFilter extends OutputStream {
        private static final byte[] PREFIX = NOISE.getBytes(StandardCharsets.UTF_8);
        private final PrintStream out;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineFilter(PrintStream out) {
            this.out = out;
        }

        @Override
        public synchronized void write(int b) {
            line.write(b);
            if (b == '\n') {
                flushLine();
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = 0; i < len; i++) {
                write(b[off + i]);
            }
        }

        @Override
        public synchronized void flush() throws IOException {
            // a partial line (e.g. streamed generation text) is passed on as it comes
            if (line.size() > 0 && !startsWithNoise()) {
                flushLine();
            }
            out.flush();
        }

        private boolean startsWithNoise() {
            byte[] bytes = line.toByteArray();
            int n = Math.min(bytes.length, PREFIX.length);
            for (int i = 0; i < n; i++) {
                if (bytes[i] != PREFIX[i]) {
                    return false;
                }
            }
            return true;
        }

        private void flushLine() {
            boolean full = line.size() >= PREFIX.length;
            if (!(full && startsWithNoise())) {
                out.write(line.toByteArray(), 0, line.size());
            }
            line.reset();
        }
    }
}
