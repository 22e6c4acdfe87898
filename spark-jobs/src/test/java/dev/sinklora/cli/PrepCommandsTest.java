package dev.sinklora.cli;

import dev.sinklora.testing.SparkTestSession;
import dev.sinklora.testing.TestTokenizers;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The prep commands through the real CLI: help, option validation, and an end-to-end run. */
class PrepCommandsTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        CommandLine cl = SinkLoraCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void helpListsEveryOptionWithItsDefault() {
        Result r = run("prep-corpus", "--help");
        assertEquals(0, r.code());
        for (String s : new String[]{"--input", "--tokenizer", "--seq-len", "--out", "--val-fraction", "--seed",
                "--text-field", "--max-rejected-fraction", "--overwrite", "--skip-if-done", "Default: 0.01",
                "Default: text"}) {
            assertTrue(r.out().contains(s), "prep-corpus --help lacks " + s + ":\n" + r.out());
        }
        Result sft = run("prep-sft", "--help");
        for (String s : new String[]{"--max-len", "--template", "--on-overflow", "Default: llama2-chat",
                "Default: reject"}) {
            assertTrue(sft.out().contains(s), "prep-sft --help lacks " + s + ":\n" + sft.out());
        }
        assertTrue(run("--help").out().contains("bench-prep"));
    }

    @Test
    void badOptionsFailWithOneLineNamingTheOption() {
        String tok = TestTokenizers.llama2().toString();
        Result zero = run("prep-corpus", "--input", "x.jsonl", "--tokenizer", tok, "--seq-len", "0", "--out", "o");
        assertEquals(2, zero.code());
        assertTrue(zero.err().contains("--seq-len must be between 8"), zero.err());
        assertEquals(1, zero.err().strip().lines().count(), zero.err());

        Result missing = run("prep-corpus", "--input", "x.jsonl", "--seq-len", "64", "--out", "o");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("--tokenizer"), missing.err());

        Result format = run("prep-corpus", "--input", "x", "--tokenizer", tok, "--seq-len", "64", "--out", "o",
                "--format", "csv");
        assertEquals(2, format.code());
        assertTrue(format.err().contains("--format must be auto, jsonl, parquet or text"), format.err());

        Result overflow = run("prep-sft", "--input", "x.json", "--tokenizer", tok, "--max-len", "64", "--out", "o",
                "--on-overflow", "wrap");
        assertEquals(2, overflow.code());
        assertTrue(overflow.err().contains("--on-overflow"), overflow.err());

        Result frac = run("prep-corpus", "--input", "x", "--tokenizer", tok, "--seq-len", "64", "--out", "o",
                "--val-fraction", "1.5");
        assertEquals(2, frac.code());
        assertTrue(frac.err().contains("--val-fraction"), frac.err());
    }

    @Test
    void prepCorpusAndPrepSftRunEndToEndOnTheExistingSession() throws Exception {
        SparkSession spark = SparkTestSession.get();
        Path corpus = tmp.resolve("c.jsonl");
        Files.writeString(corpus, "{\"text\": \"one small document\"}\n{\"text\": \"and another one\"}\n");
        Result r = run("prep-corpus", "--input", corpus.toString(), "--tokenizer", TestTokenizers.llama2().toString(),
                "--seq-len", "16", "--out", tmp.resolve("out").toString(), "--val-fraction", "0");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(tmp.resolve("out/manifest.json")));

        Result again = run("prep-corpus", "--input", corpus.toString(), "--tokenizer", TestTokenizers.llama2().toString(),
                "--seq-len", "16", "--out", tmp.resolve("out").toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("--skip-if-done"), again.err());

        Path sft = tmp.resolve("s.json");
        Files.writeString(sft, "[{\"instruction\": \"Say hi.\", \"output\": \"hi\"}]");
        Result s = run("prep-sft", "--input", sft.toString(), "--tokenizer", TestTokenizers.llama2().toString(),
                "--max-len", "128", "--out", tmp.resolve("sft").toString());
        assertEquals(0, s.code(), s.err());
        assertTrue(Files.exists(tmp.resolve("sft/manifest.json")));
        assertFalse(spark.sparkContext().isStopped(), "a session the command did not create is left running");
    }
}
