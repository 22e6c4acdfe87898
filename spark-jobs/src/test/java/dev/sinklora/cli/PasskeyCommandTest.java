package dev.sinklora.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.testing.BadModels;
import dev.sinklora.testing.EvalFixtures;
import dev.sinklora.testing.ModelFixtures;
import dev.sinklora.testing.SparkTestSession;
import dev.sinklora.testing.TestTokenizers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * sinklora passkey end to end with the real greedy decoder: the tiny random fixture (with a character-level
 * tokenizer that fits its 256-id vocabulary) cannot retrieve the key, so it scores near 0; bad input exits 2.
 */
class PasskeyCommandTest {

    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path tmp;
    static Path charTokenizer;

    @BeforeAll
    static void tokenizer() throws Exception {
        SparkTestSession.get(); // the CLI reuses the shared local[2] session
        charTokenizer = EvalFixtures.charTokenizer(tmp.resolve("char-tokenizer"));
    }

    @Test
    void aRandomTinyModelScoresNearZeroAndTheReportIsComplete() throws Exception {
        Path png = tmp.resolve("out/heat.png");
        CliRunner.Result r = CliRunner.run("passkey", "--model", ModelFixtures.tinyBase().toString(),
                "--tokenizer", charTokenizer.toString(), "--lengths", "300,400", "--trials", "4",
                "--depth-buckets", "2", "--heatmap", png.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("warning: length 300 is beyond the model's context window 64"), r.err());
        JsonNode out = JSON.readTree(r.lastLine());
        assertTrue(out.get("accuracy_overall").asDouble() <= 0.125, "a random model retrieves no key: " + out);
        assertEquals(2, out.get("accuracy").size());
        assertEquals(1.0, out.get("rope_factor").asDouble());
        for (JsonNode len : out.get("results")) {
            assertEquals(4, len.get("trials").asInt());
            double prompt = len.get("prompt_tokens_mean").asDouble();
            assertTrue(prompt <= len.get("length").asInt() - 6 && prompt > len.get("length").asInt() - 40,
                    "prompt fills its length: " + len);
            assertEquals(2, len.get("by_depth").size());
            assertEquals(2, len.get("by_depth").get(1).get("trials").asInt());
            assertEquals("50-100%", len.get("by_depth").get(1).get("depth").asText());
        }
        assertEquals(png.toUri().toString().replace("file:///", "file:/"), out.get("heatmap").asText());
        BufferedImage img = ImageIO.read(Files.newInputStream(png));
        assertTrue(img.getWidth() >= 2 * 90 && img.getHeight() >= 2 * 40, img.getWidth() + "x" + img.getHeight());
    }

    @Test
    void nanLogitsFailNamingTheDecodingStepInsteadOfAnsweringTokenZero() throws Exception {
        Path model = BadModels.baseWithValue(tmp.resolve("nan-base"), "model.norm.weight", Float.NaN);
        Path png = tmp.resolve("nan/heat.png");
        CliRunner.Result r = fails("passkey", "--model", model.toString(), "--tokenizer", charTokenizer.toString(),
                "--lengths", "300", "--trials", "2", "--depth-buckets", "1", "--heatmap", png.toString());
        assertTrue(r.err().contains("error: decoding step 1: the model's logits at position ")
                && r.err().contains(" are not finite (NaN)"), r.err());
        assertFalse(Files.exists(png), "no heat map of a failed run");
    }

    static CliRunner.Result fails(String... args) {
        CliRunner.Result r = CliRunner.run(args);
        assertEquals(2, r.exitCode(), r.out() + r.err());
        // one error line (the tiny model's 64-token context also draws warnings)
        assertEquals(1, r.err().strip().lines().filter(l -> !l.startsWith("sinklora passkey: warning: ")).count(),
                r.err());
        assertTrue(r.err().contains("sinklora passkey: error: "), r.err());
        return r;
    }

    @Test
    void badInputIsOneLineAndExitCodeTwo() {
        String model = ModelFixtures.tinyBase().toString();
        String heat = tmp.resolve("bad.png").toString();
        CliRunner.Result shortLength = fails("passkey", "--model", model, "--tokenizer", charTokenizer.toString(),
                "--lengths", "100", "--heatmap", heat);
        assertTrue(shortLength.err().contains("--lengths: 100 is too short for a passkey prompt"), shortLength.err());

        CliRunner.Result vocab = fails("passkey", "--model", model, "--tokenizer", TestTokenizers.llama2().toString(),
                "--lengths", "300", "--heatmap", heat);
        assertTrue(vocab.err().matches("(?s).*the length-300 prompt's token id \\d+ at position \\d+ is outside the "
                        + "vocabulary \\[0, 256\\) of --model \\(is it the model's tokenizer\\?\\).*"),
                vocab.err());

        CliRunner.Result trials = fails("passkey", "--model", model, "--tokenizer", charTokenizer.toString(),
                "--lengths", "300", "--trials", "0");
        assertTrue(trials.err().contains("--trials must be at least 1"), trials.err());

        CliRunner.Result tokenizer = fails("passkey", "--model", model, "--tokenizer",
                tmp.resolve("missing.json").toString(), "--lengths", "300", "--heatmap", heat);
        assertTrue(tokenizer.err().contains("--tokenizer"), tokenizer.err());
        assertTrue(Files.notExists(tmp.resolve("bad.png")), "no heat map from a failed run");
    }

    @Test
    void aHeatMapUnderAFileFailsBeforeAnyTrialRuns() throws Exception {
        Path file = Files.writeString(tmp.resolve("results.txt"), "keep me");
        CliRunner.Result r = fails("passkey", "--model", ModelFixtures.tinyBase().toString(), "--tokenizer",
                charTokenizer.toString(), "--lengths", "300", "--trials", "1", "--heatmap",
                file.resolve("heat.png").toString());
        assertTrue(r.err().contains("--heatmap file:" + file.resolve("heat.png") + ": cannot be created, file:" + file
                + " is a file, not a folder"), r.err());
        assertEquals("", r.out(), "nothing ran");
        assertEquals("keep me", Files.readString(file));
    }

    @Test
    void aHeatMapThatCannotBeWrittenKeepsTheResultsPrinted() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("a-folder.png"));
        CliRunner.Result r = fails("passkey", "--model", ModelFixtures.tinyBase().toString(), "--tokenizer",
                charTokenizer.toString(), "--lengths", "300", "--trials", "1", "--heatmap", dir.toString());
        assertTrue(r.err().contains("--heatmap file:" + dir + ": cannot write the heat map (")
                && r.err().contains("); the results above are complete"), r.err());
        JsonNode results = JSON.readTree(r.lastLine());
        assertEquals(1, results.get("results").get(0).get("trials").asInt(), r.out());
        assertEquals(List.of(), dev.sinklora.testing.BadModels.listing(dir));
    }
}
