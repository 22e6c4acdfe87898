package dev.sinklora.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.testing.BadModels;
import dev.sinklora.testing.SparkTestSession;
import dev.sinklora.testing.TestTokenizers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static dev.sinklora.cli.ModelInputErrorsTest.assertOneLineError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * prep-corpus on inputs and output folders that used to give stack traces or lose data: one line, exit 2, nothing
 * written (no --out folder left behind) and nothing deleted; a truncated .gz keeps what it holds.
 */
class PrepInputErrorsTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @BeforeAll
    static void session() {
        SparkTestSession.get(); // the command's getOrCreate() finds the test session
    }

    private static CliRunner.Result prep(Path input, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("prep-corpus", "--input", input.toString(), "--tokenizer",
                TestTokenizers.llama2().toString(), "--val-fraction", "0", "--out", out.toString()));
        a.addAll(List.of(more));
        if (!a.contains("--seq-len")) {
            a.addAll(List.of("--seq-len", "16"));
        }
        return CliRunner.run(a.toArray(String[]::new));
    }

    private static String jsonl(int docs, long seed) {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int d = 0; d < docs; d++) {
            sb.append("{\"text\": \"");
            for (int w = 0; w < 40; w++) {
                sb.append(w == 0 ? "" : " ").append("w").append(r.nextInt(5000));
            }
            sb.append("\"}\n");
        }
        return sb.toString();
    }

    @Test
    void anArchiveIsRefusedWhateverTheFormat() throws Exception {
        Path tgz = Files.write(tmp.resolve("corpus.tgz"), gzip("corpus.jsonl\0\0\0 pretend tar".getBytes()));
        Path out = tmp.resolve("out");
        assertOneLineError(prep(tgz, out), "corpus.tgz is an archive (.tgz), which is not read: unpack it");
        assertOneLineError(prep(tgz, out, "--format", "text"), "is an archive (.tgz)");
        assertTrue(Files.notExists(out));
    }

    @Test
    void aFileThatIsNotParquetIsRefusedWhetherForcedOrMisnamed() throws Exception {
        Path jsonl = Files.writeString(tmp.resolve("docs.jsonl"), jsonl(3, 1));
        Path out = tmp.resolve("out");
        assertOneLineError(prep(jsonl, out, "--format", "parquet"), "docs.jsonl: not a readable Parquet file",
                "Expected magic number at tail", "--format parquet");
        Path liar = Files.writeString(tmp.resolve("liar.parquet"), "PAR1 this only claims to be Parquet PAR1");
        assertOneLineError(prep(liar, out), "liar.parquet: not a readable Parquet file");
        assertTrue(Files.notExists(out));
    }

    @Test
    void aPrettyPrintedJsonArrayNamedJsonlIsRecognised() throws Exception {
        Path array = Files.writeString(tmp.resolve("docs.jsonl"), "[\n  {\"text\": \"one\"},\n  {\"text\": \"two\"}\n]\n");
        Path out = tmp.resolve("out");
        assertOneLineError(prep(array, out), "docs.jsonl: line 1 opens a JSON array ('[')",
                "not JSONL (one JSON object per line)", "jq -c '.[]'");
        assertTrue(Files.notExists(out), "the failed run removed its staging folder and the --out it created");
    }

    @Test
    void aTruncatedGzKeepsTheRecordsItHoldsAndRejectsTheRest() throws Exception {
        byte[] whole = gzip(jsonl(600, 2).getBytes(StandardCharsets.UTF_8));
        byte[] cut = Arrays.copyOf(whole, whole.length * 3 / 5);
        Path gz = Files.write(tmp.resolve("docs.jsonl.gz"), cut);
        long complete = completeLinesBeforeTheBreak(cut);
        assertTrue(complete > 100 && complete < 600, "cut mid-stream: " + complete);

        Path out = tmp.resolve("out");
        CliRunner.Result r = prep(gz, out);
        assertEquals(0, r.exitCode(), r.err());
        JsonNode m = JSON.readTree(out.resolve("manifest.json").toFile());
        assertEquals(complete, m.get("documents").asLong(), "every complete record before the break is kept");
        assertEquals(complete + 1, m.get("records_read").asLong());
        assertEquals(1, m.get("rejected_by_reason").get("truncated_file").asInt(), m.toString());
        Path rejected;
        try (var s = Files.list(out.resolve("rejected"))) {
            rejected = s.filter(p -> p.toString().endsWith(".jsonl")).findFirst().orElseThrow();
        }
        JsonNode rec = JSON.readTree(Files.readString(rejected).strip());
        assertEquals("truncated_file", rec.get("reason").asText());
        assertEquals(complete + 1, rec.get("line").asLong());
        assertTrue(rec.get("detail").asText().contains("the compressed file ends early"), rec.toString());
    }

    @Test
    void overwriteNeverDeletesAFolderThatIsNotThisToolsOutput() throws Exception {
        Path input = Files.writeString(tmp.resolve("docs.jsonl"), jsonl(3, 3));
        Path out = Files.createDirectories(tmp.resolve("photos"));
        Files.writeString(out.resolve("holiday.jpg"), "not a corpus");
        assertOneLineError(prep(input, out, "--overwrite"), "is not empty and has no manifest.json of prep-corpus or "
                + "prep-sft (e.g. holiday.jpg)", "never deleted, not even with --overwrite");
        assertEquals(List.of("holiday.jpg"), BadModels.listing(out));

        Files.writeString(out.resolve("manifest.json"), "{\"format\": \"some-other-tool\", \"files\": 1}");
        assertOneLineError(prep(input, out, "--overwrite"), "holds a manifest.json that is not prep-corpus's or "
                + "prep-sft's (format 'some-other-tool')");
        assertEquals(List.of("holiday.jpg", "manifest.json"), BadModels.listing(out));
    }

    @Test
    void skipIfDoneRefusesAnOutputMadeWithOtherOptionsAndKeepsOneMadeWithTheSame() throws Exception {
        Path input = Files.writeString(tmp.resolve("docs.jsonl"), jsonl(20, 4));
        Path out = tmp.resolve("out");
        assertEquals(0, prep(input, out).exitCode());
        byte[] manifest = Files.readAllBytes(out.resolve("manifest.json"));
        List<String> files = BadModels.listing(out);

        assertOneLineError(prep(input, out, "--skip-if-done", "--seq-len", "32"),
                "--skip-if-done: file:" + out + " was made with other options: --seq-len 16 (now 32)",
                "pass --overwrite to rebuild it");
        assertArrayEquals(manifest, Files.readAllBytes(out.resolve("manifest.json")), "the refused run wrote nothing");
        assertEquals(files, BadModels.listing(out));
        // the same input spelled relative to the working directory is the same input
        Path relative = Path.of("").toAbsolutePath().relativize(input);
        CliRunner.Result same = prep(relative, out, "--skip-if-done");
        assertEquals(0, same.exitCode(), same.err());
        assertArrayEquals(manifest, Files.readAllBytes(out.resolve("manifest.json")));
        assertEquals(files, BadModels.listing(out));

        JsonNode m = JSON.readTree(manifest);
        ((com.fasterxml.jackson.databind.node.ObjectNode) m).remove("options");
        Files.writeString(out.resolve("manifest.json"), m.toString());
        assertOneLineError(prep(input, out, "--skip-if-done"), "does not record the options it was made with");
    }

    private static byte[] gzip(byte[] bytes) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(buf)) {
            gz.write(bytes);
        }
        return buf.toByteArray();
    }

    /** Newline-terminated lines that decompress from a gzip stream cut short, before it breaks off. */
    private static long completeLinesBeforeTheBreak(byte[] cut) throws Exception {
        long lines = 0;
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(cut), 1 << 16)) {
            int b;
            while ((b = in.read()) != -1) {
                lines += b == '\n' ? 1 : 0;
            }
            throw new AssertionError("the stream did not break off");
        } catch (EOFException expected) {
            return lines;
        }
    }
}
