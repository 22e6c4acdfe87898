package dev.sinklora.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.Projection;
import dev.sinklora.model.score.SequenceScorer;
import dev.sinklora.testing.ModelFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `sinklora score` end to end: the JSON contract and the one-line errors with exit code 2. */
class ScoreCommandTest {

    @Test
    void printsJsonWithMeanNllAsLastLine() throws Exception {
        CliRunner.Result r = CliRunner.run("score", "--model", ModelFixtures.tinyBase().toString(),
                "--tokens", ModelFixtures.expectedTokensCsv(), "--attention", "sf", "--group-size", "8");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.lastLine());
        assertEquals(32, json.get("tokens").asInt());
        assertEquals(7.1244577649521, json.get("mean_nll").asDouble(), 3e-6); // expected.json sf; observed 2.7e-7
        assertEquals(Math.exp(json.get("mean_nll").asDouble()), json.get("ppl").asDouble(), 1e-6);
        assertEquals("sf", json.get("attention").asText());
        assertEquals(4, json.get("sink_tokens").asInt());
    }

    @Test
    void groupSizeZeroIsRejected() {
        assertBadInput("group size must be > 0", "score", "--model", ModelFixtures.tinyBase().toString(),
                "--tokens", "1,2,3", "--attention", "s2", "--group-size", "0");
    }

    @Test
    void tokenOutsideVocabularyIsRejected() {
        assertBadInput("token id 256 at position 1", "score", "--model", ModelFixtures.tinyBase().toString(),
                "--tokens", "1,256");
    }

    @Test
    void singleTokenIsRejected() {
        assertBadInput("at least 2 tokens", "score", "--model", ModelFixtures.tinyBase().toString(), "--tokens", "1");
    }

    @Test
    void unknownAttentionModeIsRejected() {
        assertBadInput("unknown attention mode 'dense'", "score", "--model", ModelFixtures.tinyBase().toString(),
                "--tokens", "1,2", "--attention", "dense");
    }

    @Test
    void missingModelDirectoryIsRejected(@TempDir Path tmp) {
        assertBadInput("not a directory", "score", "--model", tmp.resolve("nope").toString(), "--tokens", "1,2");
    }

    @Test
    void truncatedSafetensorsIsRejectedNamingTheFile(@TempDir Path tmp) throws Exception {
        Path model = copyBase(tmp);
        Path st = model.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(st);
        Files.write(st, java.util.Arrays.copyOf(bytes, bytes.length - 1000));
        CliRunner.Result r = assertBadInput("model.safetensors", "score", "--model", model.toString(), "--tokens", "1,2");
        assertTrue(r.err().toLowerCase().contains("trunc") || r.err().contains("past the end") || r.err().contains("end of"),
                r.err());
    }

    @Test
    void missingSafetensorsIsRejected(@TempDir Path tmp) throws Exception {
        Path model = copyBase(tmp);
        Files.delete(model.resolve("model.safetensors"));
        assertBadInput("model.safetensors", "score", "--model", model.toString(), "--tokens", "1,2");
    }

    @Test
    void unsupportedRopeTypeIsRejected(@TempDir Path tmp) throws Exception {
        Path model = copyBase(tmp);
        Path cfg = model.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"rope_scaling\": null",
                "\"rope_scaling\": {\"type\": \"dynamic\", \"factor\": 2.0}"));
        assertBadInput("rope_scaling type 'dynamic' is not supported", "score", "--model", model.toString(),
                "--tokens", "1,2");
    }

    @Test
    void llama3RopeScalingIsAppliedAndReported(@TempDir Path tmp) throws Exception {
        Path model = copyBase(tmp);
        Path cfg = model.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"rope_scaling\": null", "\"rope_scaling\": {"
                + "\"rope_type\": \"llama3\", \"factor\": 4.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, "
                + "\"original_max_position_embeddings\": 64}"));
        CliRunner.Result r = CliRunner.run("score", "--model", model.toString(), "--tokens", ModelFixtures.expectedTokensCsv());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.lastLine());
        assertEquals("llama3", json.get("rope_frequencies").asText());
        assertEquals(1.0, json.get("rope_factor").asDouble());
        int[] tokens = ModelFixtures.expectedTokens();
        assertEquals(SequenceScorer.score(LlamaModel.load(model), tokens, AttentionPattern.FULL, Projection.PLAIN)
                .meanNll(), json.get("mean_nll").asDouble(), 1e-9);
        // the plain fixture scores 7.1244577649521 on these tokens (printsJsonWithMeanNllAsLastLine)
        assertTrue(Math.abs(json.get("mean_nll").asDouble() - 7.1244577649521) > 1e-3, json.toString());

        Files.writeString(cfg, Files.readString(cfg).replace(", \"original_max_position_embeddings\": 64", ""));
        assertBadInput("rope_scaling.original_max_position_embeddings is missing", "score", "--model",
                model.toString(), "--tokens", "1,2");
    }

    @Test
    void headerLyingAboutSizesIsRejected(@TempDir Path tmp) throws Exception {
        Path model = copyBase(tmp);
        Path st = model.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(st);
        String header = new String(bytes, 8, (int) java.nio.ByteBuffer.wrap(bytes, 0, 8)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(), java.nio.charset.StandardCharsets.UTF_8);
        // claim norm.weight is [65] while its byte range still holds 64 floats
        String lied = header.replace("\"model.norm.weight\":{\"dtype\":\"F32\",\"shape\":[64]",
                "\"model.norm.weight\":{\"dtype\":\"F32\",\"shape\":[65]");
        assertTrue(!lied.equals(header), "fixture header layout changed: " + header.substring(0, 200));
        System.arraycopy(lied.getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, bytes, 8, lied.length());
        Files.write(st, bytes);
        assertBadInput("model.norm.weight", "score", "--model", model.toString(), "--tokens", "1,2");
    }

    private static CliRunner.Result assertBadInput(String expected, String... args) {
        CliRunner.Result r = CliRunner.run(args);
        assertEquals(2, r.exitCode(), "exit code; stderr: " + r.err());
        assertTrue(r.err().startsWith("sinklora score: error: "), r.err());
        assertTrue(r.err().contains(expected), r.err());
        return r;
    }

    private static Path copyBase(Path tmp) throws Exception {
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        for (String f : new String[]{"config.json", "model.safetensors"}) {
            Files.copy(ModelFixtures.tinyBase().resolve(f), dir.resolve(f));
        }
        return dir;
    }

    @Test
    void textIsTokenizedWithBosAndScoredLikeItsIds(@TempDir Path tmp) throws Exception {
        Path tok = tmp.resolve("tokenizer.json");
        dev.sinklora.demo.DemoCorpus.writeTokenizer(tok); // word-level, ids < 256 like the tiny model's vocabulary
        String text = "k1 is v2 . the grass is green .";
        int[] ids;
        try (var t = dev.sinklora.model.tokenizer.HfTokenizer.load(tok)) {
            ids = t.encodeWithBos(text);
        }
        assertEquals(10, ids.length);
        assertEquals(1, ids[0]); // BOS
        CliRunner.Result byText = CliRunner.run("score", "--model", ModelFixtures.tinyBase().toString(),
                "--text", text, "--tokenizer", tok.toString());
        assertEquals(0, byText.exitCode(), byText.err());
        String csv = String.join(",", java.util.Arrays.stream(ids).mapToObj(String::valueOf).toList());
        CliRunner.Result byIds = CliRunner.run("score", "--model", ModelFixtures.tinyBase().toString(), "--tokens", csv);
        JsonNode a = new ObjectMapper().readTree(byText.lastLine());
        JsonNode b = new ObjectMapper().readTree(byIds.lastLine());
        assertEquals(10, a.get("tokens").asInt());
        assertEquals(b.get("mean_nll").asDouble(), a.get("mean_nll").asDouble(), 0.0);
    }

    @Test
    void textNeedsATokenizerAndExcludesTokens() {
        assertBadInput("--text needs --tokenizer", "score", "--model", ModelFixtures.tinyBase().toString(), "--text", "hi");
        assertBadInput("exactly one of --tokens", "score", "--model", ModelFixtures.tinyBase().toString());
        assertBadInput("exactly one of --tokens", "score", "--model", ModelFixtures.tinyBase().toString(),
                "--tokens", "1,2", "--text", "hi");
    }
}
