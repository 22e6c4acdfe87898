package dev.sinklora.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the CLI in-process and captures its exit code, stdout and stderr. */
public final class CliRunner {

    public record Result(int exitCode, String out, String err) {
        public String lastLine() {
            String[] lines = out.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    private CliRunner() {
    }

    public static synchronized Result run(String... args) {
        PrintStream oldOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            var cl = SinkLoraCli.commandLine();
            cl.setErr(new PrintWriter(err, true));
            int rc = cl.execute(args);
            return new Result(rc, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(oldOut);
        }
    }

    /** Runs {@code command args}; asserts exit code 2 and exactly one stderr line containing {@code message}. */
    public static void assertUserError(String command, String message, String... args) {
        String[] all = new String[args.length + 1];
        all[0] = command;
        System.arraycopy(args, 0, all, 1, args.length);
        Result r = run(all);
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(message), r.err());
    }
}
