package dev.sinklora.prep.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.tokenizer.HfTokenizer;
import dev.sinklora.testing.ShardRows;
import dev.sinklora.testing.SparkTestSession;
import dev.sinklora.testing.TestTokenizers;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** prep-corpus end to end on local[2]: packing, split, determinism, reruns. */
class PrepCorpusJobTest {
    static final int BOS = 1;
    static final int EOS = 2;
    static SparkSession spark;
    static HfTokenizer tok;

    @TempDir
    Path tmp;

    @BeforeAll
    static void setUp() {
        spark = SparkTestSession.get();
        tok = HfTokenizer.load(TestTokenizers.llama2());
    }

    @AfterAll
    static void tearDown() {
        tok.close();
    }

    /** Documents with a unique id word each, 3..400 words long, some with newlines and unicode. */
    static List<String> documents(int n, long seed) {
        Random r = new Random(seed);
        String[] words = {"long", "context", "window", "llama", "naïve", "日本語", "🦙", "attention", "sink", "x=1;"};
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder("doc" + i);
            int len = 3 + r.nextInt(r.nextInt(10) == 0 ? 400 : 60);
            for (int w = 0; w < len; w++) {
                sb.append(r.nextInt(12) == 0 ? "\n" : " ").append(words[r.nextInt(words.length)]);
            }
            docs.add(sb.toString());
        }
        return docs;
    }

    static void writeJsonl(Path file, List<String> docs) throws IOException {
        ObjectMapper m = new ObjectMapper();
        StringBuilder sb = new StringBuilder();
        for (String d : docs) {
            sb.append(m.writeValueAsString(java.util.Map.of("text", d, "meta", 1))).append('\n');
        }
        Files.writeString(file, sb.toString());
    }

    /** The expected stream: BOS + tokens + EOS per document, in order. */
    static int[] packedStream(List<String> docs) {
        List<Integer> out = new ArrayList<>();
        for (String d : docs) {
            for (int id : tok.encodeWithBos(d)) {
                out.add(id);
            }
            out.add(EOS);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    PrepCorpusOptions options(Path in, Path out, int seqLen) {
        return PrepCorpusOptions.of(List.of(in.toString()), TestTokenizers.llama2().toString(), seqLen, out.toString())
                .withValFraction(0);
    }

    @Test
    void packsDocumentsInInputOrderIntoRowsOfExactlySeqLen() throws IOException {
        Path in = Files.createDirectories(tmp.resolve("in"));
        List<String> a = documents(25, 1);
        List<String> b = documents(20, 2);
        writeJsonl(in.resolve("b.jsonl"), b);   // file order is by name: a before b
        writeJsonl(in.resolve("a.jsonl"), a);
        Path out = tmp.resolve("out");
        int seqLen = 64;

        CorpusManifest m = PrepCorpusJob.run(spark, options(in, out, seqLen));

        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        int[] expected = packedStream(all);
        List<Row> rows = ShardRows.read(spark, out.resolve("train"));
        assertEquals((expected.length + seqLen - 1) / seqLen, rows.size());
        List<Integer> got = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        for (int r = 0; r < rows.size(); r++) {
            int[] ids = ShardRows.ints(rows.get(r), "input_ids");
            int length = rows.get(r).getInt(rows.get(r).fieldIndex("length"));
            assertEquals(seqLen, ids.length, "every row holds exactly seq_len ids");
            assertEquals(r < rows.size() - 1 ? seqLen : expected.length - (rows.size() - 1) * seqLen, length);
            for (int i = length; i < seqLen; i++) {
                assertEquals(EOS, ids[i], "padding uses the pad id (EOS for LLaMA-2)");
            }
            for (int s : ShardRows.ints(rows.get(r), "doc_starts")) {
                starts.add(r * seqLen + s);
            }
            for (int i = 0; i < length; i++) {
                got.add(ids[i]);
            }
        }
        assertArrayEquals(expected, got.stream().mapToInt(Integer::intValue).toArray());
        List<Integer> expectedStarts = new ArrayList<>();
        int pos = 0;
        for (String d : all) {
            expectedStarts.add(pos);
            pos += tok.encode(d).length + 2;
        }
        assertEquals(expectedStarts, starts);

        long ownTokens = all.stream().mapToLong(d -> tok.encode(d).length).sum();
        assertEquals(45, m.documents());
        assertEquals(45, m.recordsRead());
        assertEquals(0, m.rejected());
        assertEquals(ownTokens, m.tokens(), "tokens exclude BOS/EOS and padding");
        assertEquals(rows.size(), m.sequences());
        assertEquals(expected.length, m.splits().get("train").packedTokens());
        assertEquals(rows.size() * (long) seqLen - expected.length, m.splits().get("train").paddingTokens());
        assertEquals(0, m.splits().get("validation").documents());
        assertEquals(seqLen, m.seqLen());
        assertEquals(tok.sha256(), m.tokenizer().sha256());
        assertTrue(Files.exists(out.resolve("manifest.json")));
        assertTrue(Files.isDirectory(out.resolve("rejected")));
        try (Stream<Path> s = Files.list(out)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith("_staging")), "staging removed");
        }
        JsonNode json = new ObjectMapper().readTree(out.resolve("manifest.json").toFile());
        for (String field : List.of("documents", "rejected", "tokens", "sequences", "seq_len")) {
            assertTrue(json.has(field), "manifest has " + field);
        }
        assertEquals(tok.sha256(), json.path("tokenizer").path("sha256").asText());
        assertEquals(ownTokens, json.path("splits").path("train").path("tokens").asLong());
    }

    @Test
    void dropPolicyKeepsOnlyFullRowsAndCountsTheRest() throws IOException {
        Path in = tmp.resolve("in.jsonl");
        List<String> docs = documents(12, 3);
        writeJsonl(in, docs);
        int seqLen = 50;
        CorpusManifest m = PrepCorpusJob.run(spark, options(in, tmp.resolve("out"), seqLen).withLastRow(LastRow.DROP));
        int total = packedStream(docs).length;
        List<Row> rows = ShardRows.read(spark, tmp.resolve("out/train"));
        assertEquals(total / seqLen, rows.size());
        assertEquals(total % seqLen, m.splits().get("train").droppedTokens());
        assertEquals(0, m.splits().get("train").paddingTokens());
        for (Row r : rows) {
            assertEquals(seqLen, r.getInt(r.fieldIndex("length")));
        }
    }

    @Test
    void splitsByDocumentDeterministicallyFromSeedAndContent() throws IOException {
        Path in = tmp.resolve("in.jsonl");
        List<String> docs = documents(300, 4);
        writeJsonl(in, docs);
        PrepCorpusOptions o = options(in, tmp.resolve("o1"), 128).withValFraction(0.3);

        CorpusManifest m = PrepCorpusJob.run(spark, o);
        Set<String> train = decodeDocuments(tmp.resolve("o1/train"));
        Set<String> val = decodeDocuments(tmp.resolve("o1/validation"));

        assertEquals(new HashSet<>(docs).size(), train.size() + val.size());
        assertTrue(train.stream().noneMatch(val::contains), "a document is in one split only");
        Set<String> union = new HashSet<>(train);
        union.addAll(val);
        assertEquals(new HashSet<>(docs), union);
        assertEquals(val.size(), m.splits().get("validation").documents());
        assertEquals(train.size(), m.splits().get("train").documents());
        assertTrue(val.size() > 60 && val.size() < 120, "about 30% validation, got " + val.size());

        CorpusManifest again = PrepCorpusJob.run(spark, o.withOut(tmp.resolve("o2").toString()));
        assertEquals(val, decodeDocuments(tmp.resolve("o2/validation")));
        assertEquals(m.splits().get("validation").tokens(), again.splits().get("validation").tokens());

        PrepCorpusJob.run(spark, o.withOut(tmp.resolve("o3").toString()).withSeed(7));
        assertNotEquals(val, decodeDocuments(tmp.resolve("o3/validation")), "another seed, another split");
    }

    /** Rebuilds the documents of a packed output from doc_starts and EOS, and decodes them. */
    Set<String> decodeDocuments(Path dir) throws IOException {
        List<Integer> stream = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        List<Row> rows = ShardRows.read(spark, dir);
        int seqLen = rows.isEmpty() ? 0 : ShardRows.ints(rows.get(0), "input_ids").length;
        for (int r = 0; r < rows.size(); r++) {
            int[] ids = ShardRows.ints(rows.get(r), "input_ids");
            for (int s : ShardRows.ints(rows.get(r), "doc_starts")) {
                starts.add(r * seqLen + s);
            }
            for (int i = 0; i < rows.get(r).getInt(rows.get(r).fieldIndex("length")); i++) {
                stream.add(ids[i]);
            }
        }
        Set<String> docs = new HashSet<>();
        for (int k = 0; k < starts.size(); k++) {
            int from = starts.get(k);
            int to = k + 1 < starts.size() ? starts.get(k + 1) : stream.size();
            assertEquals(BOS, stream.get(from));
            assertEquals(EOS, stream.get(to - 1));
            docs.add(tok.decode(stream.subList(from + 1, to - 1).stream().mapToInt(Integer::intValue).toArray()));
        }
        return docs;
    }

    @Test
    void sameInputAndSeedGiveByteIdenticalShardsWhateverTheSplitting() throws IOException {
        Path in = Files.createDirectories(tmp.resolve("in"));
        writeJsonl(in.resolve("part-a.jsonl"), documents(80, 5));
        writeJsonl(in.resolve("part-b.jsonl"), documents(60, 6));
        // Bad lines too, so line numbers of rejected records must also survive the splitting.
        Files.writeString(in.resolve("part-c.jsonl"), "{\"text\": \"ok\"}\nnot json\n\n{\"text\": 5}\n{\"text\": \"fine\"}\n");
        PrepCorpusOptions o = options(in, tmp.resolve("r1"), 96).withValFraction(0.2).withMaxRejectedFraction(1)
                .withShardBytes(1 << 20);

        PrepCorpusJob.run(spark, o);
        PrepCorpusJob.run(spark, o.withOut(tmp.resolve("r2").toString()).withMaxSplitBytes(700));

        for (String split : List.of("train", "validation")) {
            List<Path> f1 = ShardRows.parquetFiles(tmp.resolve("r1").resolve(split));
            List<Path> f2 = ShardRows.parquetFiles(tmp.resolve("r2").resolve(split));
            assertFalse(f1.isEmpty());
            assertEquals(f1.stream().map(p -> p.getFileName().toString()).toList(),
                    f2.stream().map(p -> p.getFileName().toString()).toList());
            for (int i = 0; i < f1.size(); i++) {
                assertArrayEquals(Files.readAllBytes(f1.get(i)), Files.readAllBytes(f2.get(i)), f1.get(i) + " differs");
            }
        }
        assertEquals(rejectedLines(tmp.resolve("r1")), rejectedLines(tmp.resolve("r2")));
        assertEquals(List.of("part-c.jsonl:2:invalid_json", "part-c.jsonl:4:non_string_text"),
                rejectedLines(tmp.resolve("r2")));
    }

    /** "file:line:reason" of every rejected record, sorted. */
    static List<String> rejectedLines(Path out) throws IOException {
        List<String> lines = new ArrayList<>();
        ObjectMapper m = new ObjectMapper();
        try (Stream<Path> s = Files.list(out.resolve("rejected"))) {
            for (Path f : s.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
                for (String l : Files.readAllLines(f)) {
                    JsonNode n = m.readTree(l);
                    String src = n.get("source").asText();
                    lines.add(src.substring(src.lastIndexOf('/') + 1) + ":" + n.path("line").asLong(-1) + ":"
                            + n.get("reason").asText());
                }
            }
        }
        lines.sort(null);
        return lines;
    }

    @Test
    void finishedOutputIsRefusedSkippedOrReplaced() throws IOException {
        Path in = tmp.resolve("in.jsonl");
        writeJsonl(in, documents(10, 8));
        Path out = tmp.resolve("out");
        PrepCorpusOptions o = options(in, out, 64);
        CorpusManifest first = PrepCorpusJob.run(spark, o);

        BadInputException refused = assertThrows(BadInputException.class, () -> PrepCorpusJob.run(spark, o));
        assertTrue(refused.getMessage().contains("--overwrite") && refused.getMessage().contains("--skip-if-done"),
                refused.getMessage());

        byte[] manifestBefore = Files.readAllBytes(out.resolve("manifest.json"));
        CorpusManifest skipped = PrepCorpusJob.run(spark, o.withRerun(false, true));
        assertEquals(first, skipped);
        assertArrayEquals(manifestBefore, Files.readAllBytes(out.resolve("manifest.json")), "untouched");

        PrepCorpusOptions longer = new PrepCorpusOptions(o.inputs(), o.tokenizer(), 32, o.out(), 0, 1, "text", null,
                0.01, true, false, LastRow.PAD, 0, 128L << 20);
        CorpusManifest replaced = PrepCorpusJob.run(spark, longer);
        assertEquals(32, replaced.seqLen());
        assertEquals(32, ShardRows.ints(ShardRows.read(spark, out.resolve("train")).get(0), "input_ids").length);
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(Set.of("manifest.json", ".manifest.json.crc", "train", "validation", "rejected"),
                    new HashSet<>(s.map(p -> p.getFileName().toString()).toList()));
        }
    }

    @Test
    void foreignNonEmptyFolderIsRefused() throws IOException {
        Path in = tmp.resolve("in.jsonl");
        writeJsonl(in, documents(3, 9));
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(out.resolve("precious.txt"), "do not delete");
        BadInputException e = assertThrows(BadInputException.class, () -> PrepCorpusJob.run(spark, options(in, out, 64)));
        assertTrue(e.getMessage().contains("precious.txt"), e.getMessage());
        assertTrue(Files.exists(out.resolve("precious.txt")));
    }

    @Test
    void readsGzipParquetAndPlainTextWithHiddenFilesSkipped() throws IOException {
        Path in = Files.createDirectories(tmp.resolve("mixed"));
        List<String> gz = documents(5, 10);
        Path plain = tmp.resolve("plain.jsonl");
        writeJsonl(plain, gz);
        try (var os = new java.util.zip.GZIPOutputStream(Files.newOutputStream(in.resolve("a.jsonl.gz")))) {
            os.write(Files.readAllBytes(plain));
        }
        Files.writeString(in.resolve("b.txt"), "a whole plain text document\nwith two lines");
        Files.writeString(in.resolve("_SUCCESS"), "");
        Files.writeString(in.resolve(".hidden.jsonl"), "not even json");
        Path pq = in.resolve("c");
        spark.createDataFrame(List.of(
                        org.apache.spark.sql.RowFactory.create("parquet one", 1),
                        org.apache.spark.sql.RowFactory.create("parquet two", 2)),
                new org.apache.spark.sql.types.StructType().add("text", "string").add("n", "int"))
                .coalesce(1).write().parquet(pq.toString());

        CorpusManifest m = PrepCorpusJob.run(spark, options(in, tmp.resolve("out"), 64));

        List<String> expected = new ArrayList<>(gz);
        expected.add("a whole plain text document\nwith two lines");
        expected.add("parquet one");
        expected.add("parquet two");
        assertEquals(expected.size(), m.documents());
        assertEquals(0, m.rejected());
        assertEquals(new HashSet<>(expected), decodeDocuments(tmp.resolve("out/train")));
        assertEquals(3, m.inputFiles(), "a.jsonl.gz, b.txt, c/part-*.parquet; no _SUCCESS, no hidden files");
    }

    @Test
    void parquetWithoutTheTextColumnFailsFastNamingFileAndColumn() {
        Path pq = tmp.resolve("pq");
        spark.createDataFrame(List.of(org.apache.spark.sql.RowFactory.create("x")),
                new org.apache.spark.sql.types.StructType().add("body", "string")).coalesce(1).write().parquet(pq.toString());
        BadInputException e = assertThrows(BadInputException.class,
                () -> PrepCorpusJob.run(spark, options(pq, tmp.resolve("out"), 64)));
        assertTrue(e.getMessage().contains("'text'") && e.getMessage().contains("body")
                && e.getMessage().contains("--text-field"), e.getMessage());
        PrepCorpusJob.run(spark, options(pq, tmp.resolve("out2"), 64).withTextField("body"));
        assertTrue(Files.exists(tmp.resolve("out2/manifest.json")));
    }

    @Test
    void missingInputIsAClearErrorAndLeavesNothingBehind() {
        BadInputException e = assertThrows(BadInputException.class,
                () -> PrepCorpusJob.run(spark, options(tmp.resolve("nope-*.jsonl"), tmp.resolve("out"), 64)));
        assertTrue(e.getMessage().contains("--input") && e.getMessage().contains("nope-*.jsonl"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("out")), "no staging folder for a run that failed while planning");
    }

    @Test
    void documentsLongerThan512TokensAreNotTruncated() throws IOException {
        String big = String.join(" ", java.util.Collections.nCopies(3000, "tokenization"));
        Path in = tmp.resolve("big.jsonl");
        writeJsonl(in, List.of(big));
        CorpusManifest m = PrepCorpusJob.run(spark, options(in, tmp.resolve("out"), 256));
        assertEquals(tok.encode(big).length, m.tokens());
        assertTrue(m.tokens() > 3000);
        assertEquals(Set.of(big), decodeDocuments(tmp.resolve("out/train")));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
