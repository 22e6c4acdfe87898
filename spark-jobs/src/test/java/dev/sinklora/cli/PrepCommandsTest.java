package dev.sinklora.cli;

import dev.sinklora.model.tokenizer.HfTokenizer;
import dev.sinklora.prep.corpus.CorpusManifest;
import dev.sinklora.prep.sft.PromptTemplate;
import dev.sinklora.prep.sft.SftEncoder;
import dev.sinklora.prep.sft.SftManifest;
import dev.sinklora.prep.spark.ShardFile;
import dev.sinklora.testing.ShardRows;
import dev.sinklora.testing.SparkTestSession;
import dev.sinklora.testing.TestTokenizers;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The prep commands through the real CLI: option validation, and end-to-end runs whose rows are checked. */
class PrepCommandsTest {
    static final int BOS = 1;
    static final int EOS = 2;
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
        List<String> docs = List.of("one small document", "and another one, a little longer than the first");
        Path corpus = tmp.resolve("c.jsonl");
        Files.writeString(corpus, "{\"text\": \"" + docs.get(0) + "\"}\n{\"text\": \"" + docs.get(1) + "\"}\n");
        Result r = run("prep-corpus", "--input", corpus.toString(), "--tokenizer", TestTokenizers.llama2().toString(),
                "--seq-len", "16", "--out", tmp.resolve("out").toString(), "--val-fraction", "0");
        assertEquals(0, r.code(), r.err());
        checkCorpus(spark, tmp.resolve("out"), docs, 16);

        Result again = run("prep-corpus", "--input", corpus.toString(), "--tokenizer", TestTokenizers.llama2().toString(),
                "--seq-len", "16", "--out", tmp.resolve("out").toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("--skip-if-done"), again.err());

        // the second record's prompt is longer than --max-len: rejected under the default --on-overflow reject
        Path sft = tmp.resolve("s.json");
        Files.writeString(sft, "[{\"instruction\": \"Say hi.\", \"output\": \"hi\"},"
                + " {\"instruction\": \"" + "many words ".repeat(60) + "\", \"output\": \"no\"}]");
        Result s = run("prep-sft", "--input", sft.toString(), "--tokenizer", TestTokenizers.llama2().toString(),
                "--max-len", "128", "--out", tmp.resolve("sft").toString(), "--max-rejected-fraction", "1");
        assertEquals(0, s.code(), s.err());
        checkSft(spark, tmp.resolve("sft"));
        assertFalse(spark.sparkContext().isStopped(), "a session the command did not create is left running");
    }

    /** The packed rows decode back to the input documents, in order, and the manifest counts what the rows hold. */
    private static void checkCorpus(SparkSession spark, Path out, List<String> docs, int seqLen) throws Exception {
        CorpusManifest m = CorpusManifest.fromJson(Files.readAllBytes(out.resolve("manifest.json")), "manifest");
        List<Row> rows = ShardRows.read(spark, out.resolve("train"));
        List<Integer> stream = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            int[] ids = ShardRows.ints(rows.get(i), "input_ids");
            assertEquals(seqLen, ids.length);
            for (int start : ShardRows.ints(rows.get(i), "doc_starts")) {
                starts.add(i * seqLen + start);
            }
            for (int t = 0; t < rows.get(i).getInt(rows.get(i).fieldIndex("length")); t++) {
                stream.add(ids[t]);
            }
        }
        List<String> decoded = new ArrayList<>();
        long ownTokens = 0;
        try (HfTokenizer tok = HfTokenizer.load(TestTokenizers.llama2())) {
            for (int k = 0; k < starts.size(); k++) {
                int from = starts.get(k);
                int to = k + 1 < starts.size() ? starts.get(k + 1) : stream.size();
                assertEquals(BOS, stream.get(from));
                assertEquals(EOS, stream.get(to - 1));
                int[] own = stream.subList(from + 1, to - 1).stream().mapToInt(Integer::intValue).toArray();
                assertArrayEquals(tok.encodeWhole(docs.get(k)), own, "document " + k);
                decoded.add(tok.decode(own));
                ownTokens += own.length;
            }
        }
        assertEquals(docs, decoded);
        assertEquals(2, m.recordsRead());
        assertEquals(2, m.documents());
        assertEquals(0, m.rejected());
        assertEquals(ownTokens, m.tokens());
        assertEquals(rows.size(), m.sequences());
        CorpusManifest.SplitManifest train = m.splits().get("train");
        assertEquals(2, train.documents());
        assertEquals(rows.size(), train.sequences());
        assertEquals(stream.size(), train.packedTokens());
        assertEquals((long) rows.size() * seqLen - stream.size(), train.paddingTokens());
        assertEquals(rows.size(), train.shards().stream().mapToLong(ShardFile::rows).sum());
        assertEquals(0, m.splits().get("validation").sequences());
    }

    /**
     * One example: BOS + the llama2-chat prompt + the output + EOS, labels -100 on the prompt and the ids on the
     * output; the overlong record is counted as rejected.
     */
    private static void checkSft(SparkSession spark, Path out) throws Exception {
        SftManifest m = SftManifest.fromJson(Files.readAllBytes(out.resolve("manifest.json")), "manifest");
        List<Row> rows = ShardRows.read(spark, out.resolve("train"));
        assertEquals(1, rows.size());
        int[] ids = ShardRows.ints(rows.get(0), "input_ids");
        int[] labels = ShardRows.ints(rows.get(0), "labels");
        int len = rows.get(0).getInt(rows.get(0).fieldIndex("length"));
        int promptLen = rows.get(0).getInt(rows.get(0).fieldIndex("prompt_length"));
        String prompt = PromptTemplate.LLAMA2_CHAT.prompt("Say hi.", null, null);
        try (HfTokenizer tok = HfTokenizer.load(TestTokenizers.llama2())) {
            assertEquals(BOS, ids[0]);
            assertEquals(EOS, ids[len - 1]);
            assertArrayEquals(tok.encodeWhole(prompt + "hi"), Arrays.copyOfRange(ids, 1, len - 1));
            assertEquals("hi", tok.decode(Arrays.copyOfRange(ids, promptLen, len - 1)).strip());
        }
        for (int i = 0; i < len; i++) {
            assertEquals(i < promptLen ? SftEncoder.IGNORE_INDEX : ids[i], labels[i], "label " + i);
        }
        assertEquals(2, m.recordsRead());
        assertEquals(1, m.documents());
        assertEquals(1, m.rejected());
        assertEquals("llama2-chat", m.template());
        assertEquals("reject", m.onOverflow());
        assertEquals(-100, m.labelIgnoreIndex());
        assertEquals(promptLen, m.promptTokens());
        assertEquals(len - promptLen, m.targetTokens());
        assertEquals(1, m.sequences());
    }
}
