package dev.sinklora.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.testing.SparkTestSession;
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
 * {@code sinklora ablation --quick} end to end on the shared local[2] session: the JSON's structure (every mode, its
 * seed's run, the comparisons, the references), every mode's perplexity finite and below the untuned base's, the
 * chart written; then bad input (one line, exit 2).
 */
class AblationCommandTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> MODES = List.of("full", "s2", "s2-sinks", "s2-reassembled", "sf");

    @TempDir
    static Path tmp;

    @BeforeAll
    static void spark() {
        SparkTestSession.get(); // the CLI reuses the shared local[2] session
    }

    @Test
    void quickAblationEndToEnd() throws Exception {
        Path out = tmp.resolve("quick");
        CliRunner.Result r = CliRunner.run("ablation", "--quick", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode json = JSON.readTree(r.lastLine());
        assertEquals(json, JSON.readTree(out.resolve("ablation.json").toFile()), "stdout's JSON is the file's");
        assertTrue(r.out().contains("share of gain"), r.out());

        JsonNode opts = json.get("options");
        assertEquals(256, opts.get("long_context").asInt());
        assertEquals(1, opts.get("seeds").asInt());
        double base = json.get("references").get("base").get("ppl").asDouble();
        double basePi = json.get("references").get("base_pi").get("ppl").asDouble();
        assertTrue(Double.isFinite(base) && Double.isFinite(basePi), json.get("references").toString());
        int tokens = json.get("references").get("base").get("tokens").asInt();
        assertEquals(json.get("setup").get("validation_tokens").asInt() - 6, tokens, "6 windows, 255 targets each");

        JsonNode modes = json.get("modes");
        assertEquals(MODES.size(), modes.size());
        for (int i = 0; i < MODES.size(); i++) {
            JsonNode m = modes.get(i);
            assertEquals(MODES.get(i), m.get("mode").asText());
            double ppl = m.get("ppl").get("mean").asDouble();
            assertTrue(Double.isFinite(ppl) && ppl > 1 && ppl < base,
                    m.get("mode") + ": ppl " + ppl + " vs untuned base " + base);
            assertTrue(m.get("ppl").get("std").isNull(), "one seed: no spread");
            assertEquals(1, m.get("runs").size());
            JsonNode run = m.get("runs").get(0);
            assertEquals(1, run.get("seed").asInt());
            assertEquals(10, run.get("steps").asInt());
            assertEquals(ppl, run.get("ppl").asDouble(), 1e-12);
            assertEquals(tokens, run.get("tokens").asInt(), "every model is scored on the same tokens");
            assertTrue(run.get("seconds_per_step").asDouble() > 0);
            double acc = m.get("passkey_accuracy").get("mean").asDouble();
            assertTrue(acc >= 0 && acc <= 1);
            assertEquals(5, run.get("passkey_trials").asInt());
            assertTrue(m.get("share_of_gain").get("mean").isNumber(), m.toString());
        }
        assertEquals("full", modes.get(0).get("train_attention").asText());
        assertEquals("s2(G=64,S=4)", modes.get(2).get("train_attention").asText());
        assertEquals("sf(G=64,S=4)", modes.get(4).get("train_attention").asText());
        assertEquals(1.0, modes.get(0).get("share_of_gain").get("mean").asDouble(), 1e-12);
        assertEquals(0.39, modes.get(1).get("paper_share_of_gain").asDouble());
        assertEquals(10, json.get("comparisons").size(), "every pair of modes");
        assertFalse(json.get("comparisons").get(0).get("exceeds_seed_noise").asBoolean(), "one seed cannot tell");

        BufferedImage png = ImageIO.read(out.resolve("ablation.png").toFile());
        assertTrue(png.getWidth() >= 640 && png.getHeight() >= 400, png.getWidth() + "x" + png.getHeight());
        assertTrue(Files.exists(out.resolve("runs/sf-seed1/final/adapter_model.safetensors")));

        // the finished run is reused as it is by --resume
        CliRunner.Result again = CliRunner.run("ablation", "--quick", "--out", out.toString(), "--resume");
        assertEquals(0, again.exitCode(), again.err());
        assertEquals(json.get("modes"), JSON.readTree(again.lastLine()).get("modes"));
    }

    @Test
    void badInputIsOneLineAndExitCodeTwo() throws Exception {
        CliRunner.Result mode = CliRunner.run("ablation", "--quick", "--out", tmp.resolve("bad").toString(),
                "--modes", "full,s3");
        assertEquals(2, mode.exitCode(), mode.err());
        assertEquals("sinklora ablation: error: --modes: unknown mode 's3' (expected full, s2, s2-sinks, "
                + "s2-reassembled, sf)", mode.err().strip());
        assertFalse(Files.exists(tmp.resolve("bad")), "nothing written");

        Files.createDirectories(tmp.resolve("exists"));
        CliRunner.Result exists = CliRunner.run("ablation", "--quick", "--out", tmp.resolve("exists").toString());
        assertEquals(2, exists.exitCode(), exists.err());
        assertTrue(exists.err().contains("already exists; use --overwrite to replace it, --resume to continue it"),
                exists.err());

        CliRunner.Result seeds = CliRunner.run("ablation", "--seeds", "0", "--out", tmp.resolve("s").toString());
        assertEquals(2, seeds.exitCode(), seeds.err());
        assertTrue(seeds.err().contains("--seeds must be >= 1, got 0"), seeds.err());
    }
}
