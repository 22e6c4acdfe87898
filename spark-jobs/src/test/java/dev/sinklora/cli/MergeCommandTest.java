package dev.sinklora.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MergeCommandTest {

    private record Run(int rc, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream stdout = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            var cl = SinkLoraCli.commandLine();
            cl.setErr(new PrintWriter(err));
            cl.setOut(new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true));
            int rc = cl.execute(args);
            System.out.flush();
            return new Run(rc, buf.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(stdout);
        }
    }

    private static String fixture(String name) throws URISyntaxException {
        return Path.of(MergeCommandTest.class.getResource("/tiny-llama/" + name).toURI()).toString();
    }

    @Test
    void mergesOneAdapterAndRefusesToOverwriteWithoutTheFlag(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("merged");
        Run r = run("merge", "--base", fixture("base"), "--adapter", fixture("adapter"), "--out", out.toString(),
                "--dtype", "bf16", "--max-shard-size", "100KB");
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.out().contains("\"ok\":true") && r.out().contains("\"dtype\":\"BF16\""), r.out());
        assertTrue(Files.exists(out.resolve("model.safetensors.index.json")));

        Run again = run("merge", "--base", fixture("base"), "--adapter", fixture("adapter"), "--out", out.toString());
        assertEquals(2, again.rc());
        assertTrue(again.err().contains("already exists") && again.err().contains("--overwrite"), again.err());

        Run forced = run("merge", "--base", fixture("base"), "--adapter", fixture("adapter"), "--out", out.toString(),
                "--overwrite");
        assertEquals(0, forced.rc(), forced.err());
        assertTrue(Files.exists(out.resolve("model.safetensors")));
        assertTrue(!Files.exists(out.resolve("model.safetensors.index.json")), "replaced, not mixed");
    }

    @Test
    void badOptionsAreOneLineErrors(@TempDir Path tmp) throws Exception {
        Run r = run("merge", "--base", fixture("base"), "--adapter", fixture("adapter"), "--out",
                tmp.resolve("o").toString(), "--dtype", "F8");
        assertEquals(2, r.rc());
        assertTrue(r.err().contains("--dtype") && r.err().contains("F8"), r.err());

        r = run("merge", "--base", fixture("base"), "--out", tmp.resolve("o").toString());
        assertEquals(2, r.rc());
        assertTrue(r.err().contains("--adapter") && r.err().contains("--adapters"), r.err());

        r = run("merge", "--base", fixture("base"), "--adapter", fixture("adapter"), "--out",
                tmp.resolve("o").toString(), "--max-shard-size", "lots");
        assertEquals(2, r.rc());
        assertTrue(r.err().contains("lots"), r.err());
    }

    @Test
    void helpListsOptionsWithDefaults() {
        Run r = run("merge", "--help");
        assertEquals(0, r.rc());
        for (String s : new String[]{"--base", "--adapter", "--adapters", "--out", "--dtype", "--max-shard-size",
                "default: 5GB", "--overwrite", "--rope-factor", "s3a://"}) {
            assertTrue(r.out().contains(s), "help lacks " + s + ":\n" + r.out());
        }
    }

    @Test
    void scoreAppliesAnAdapterUnmerged() throws Exception {
        String tokens = "1,17,42,99,5,200,31,7";
        Run plain = run("score", "--model", fixture("base"), "--tokens", tokens);
        Run adapted = run("score", "--model", fixture("base"), "--tokens", tokens, "--adapter", fixture("adapter"));
        assertEquals(0, plain.rc(), plain.err());
        assertEquals(0, adapted.rc(), adapted.err());
        assertTrue(adapted.out().contains("\"adapter\""), adapted.out());
        double a = meanNll(plain.out());
        double b = meanNll(adapted.out());
        assertTrue(Math.abs(a - b) > 0.01, a + " vs " + b);
    }

    private static double meanNll(String json) throws Exception {
        String last = json.strip().lines().reduce((x, y) -> y).orElseThrow();
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(last).get("mean_nll").asDouble();
    }
}
