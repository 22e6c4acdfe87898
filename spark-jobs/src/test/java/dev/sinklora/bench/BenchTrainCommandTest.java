package dev.sinklora.bench;

import dev.sinklora.cli.CliRunner;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.lora.TrainableExtra;
import dev.sinklora.testing.ModelFixtures;
import dev.sinklora.testing.SparkTestSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `sinklora bench-train`: argument validation (exit 2, one-line errors) and the JSON contract on a short run. */
class BenchTrainCommandTest {

    static final String BASE = ModelFixtures.tinyBase().toString();

    @Test
    void shortRunReportsEveryCaseWithConsistentNumbers() throws Exception {
        SparkTestSession.get(); // the command's getOrCreate() finds the test session
        CliRunner.Result r = CliRunner.run("bench-train", "--base", BASE, "--lengths", "32", "--modes", "sf,full",
                "--steps", "2", "--warmup", "1", "--spark-rounds", "1", "--averaging-frequency", "1",
                "--sgemm-size", "64", "--sgemm-repeats", "1", "--lora-r", "4", "--recompute", "layer,none");
        assertEquals(0, r.exitCode(), r.err());
        assertFalse(r.out().contains("Added differentiated op"), "SameDiff's op listing leaked into the table");
        assertTrue(r.out().contains("sf/full tokens/s"), r.out());
        assertTrue(r.out().contains("sf step time, recompute layer / none"), r.out());
        JsonNode json = new ObjectMapper().readTree(r.lastLine());

        double peak = json.get("mfu_denominator_gflops").asDouble();
        assertEquals(json.get("sgemm").get(0).get("gflops").asDouble(), peak, 0.0);
        assertEquals(64, json.get("sgemm").get(0).get("k").asInt());
        assertTrue(json.get("flop_convention").asText().contains("masked entries included"));

        JsonNode results = json.get("results");
        assertEquals(4, results.size()); // sf layer, sf none, full layer, full none
        LlamaConfig c = LlamaConfig.load(ModelFixtures.tinyBase());
        LoraConfig lora = new LoraConfig(4, 8, 0, List.of("q_proj", "k_proj", "v_proj", "o_proj"), Set.of());
        for (JsonNode row : results) {
            assertFalse(row.has("error"), row.toString());
            assertEquals(32, row.get("n").asInt());
            assertEquals(1.0, row.get("rope_factor").asDouble()); // 32 <= max_position_embeddings 64
            assertEquals(2, row.get("step_ms_all").size());
            double ms = row.get("step_ms").asDouble();
            assertTrue(ms > 0);
            AttentionPattern p = row.get("mode").asText().equals("full") ? AttentionPattern.FULL
                    : AttentionPattern.of(dev.sinklora.model.attention.AttentionMode.SF, 32, null, null);
            TrainStepFlops f = TrainStepFlops.count(c, lora, p, 1, 32);
            assertEquals(f.model() / 1e9, row.get("model_gflop").asDouble(), 1e-12);
            assertEquals(32 / (ms / 1e3), row.get("tokens_per_s").asDouble(), 1e-6);
            assertEquals(f.model() / 1e9 / (ms / 1e3) / peak, row.get("mfu").asDouble(), 1e-9);
            assertTrue(Double.isFinite(row.get("loss").asDouble()));
            assertTrue(row.get("peak_nd4j_bytes").asLong() > 0 && row.get("peak_nd4j_bytes").asLong()
                    < row.get("peak_rss_bytes").asLong(), row.toString());
            JsonNode spark = row.get("spark");
            assertEquals(2, spark.get("workers").asInt()); // local[2]
            assertEquals(1, spark.get("round_ms_all").size());
            assertEquals(2 * 32 / (spark.get("round_ms").asDouble() / 1e3), spark.get("tokens_per_s").asDouble(), 1e-6);
        }
        assertEquals("sf(G=8,S=4)", results.get(0).get("pattern").asText());
        assertEquals("layer", results.get(0).get("recompute").asText());
        assertEquals("none", results.get(1).get("recompute").asText());
        // the same training steps either way
        assertEquals(results.get(1).get("loss").asDouble(), results.get(0).get("loss").asDouble(), 1e-5);
        assertEquals(results.get(3).get("loss").asDouble(), results.get(2).get("loss").asDouble(), 1e-5);
        JsonNode ratio = json.get("ratios").get(0);
        assertEquals("layer", ratio.get("recompute").asText());
        assertEquals(results.get(2).get("step_ms").asDouble() / results.get(0).get("step_ms").asDouble(),
                ratio.get("sf_over_full_tokens_per_s").asDouble(), 1e-9);
        assertEquals(2, json.get("recompute_ratios").size());
        JsonNode recompute = null;
        for (JsonNode rr : json.get("recompute_ratios")) {
            recompute = rr.get("mode").asText().equals("sf") ? rr : recompute;
        }
        assertEquals(results.get(0).get("step_ms").asDouble() / results.get(1).get("step_ms").asDouble(),
                recompute.get("layer_over_none_step_time").asDouble(), 1e-9);
    }

    /** LoRA+ "embed" was advertised and crashed; it runs train's network, embedding layer included. */
    @Test
    void aTrainedEmbeddingIsBenchmarkedWithItsFlops() throws Exception {
        CliRunner.Result r = CliRunner.run("bench-train", "--base", BASE, "--lengths", "32", "--modes", "sf",
                "--steps", "1", "--warmup", "1", "--spark-rounds", "0", "--sgemm-size", "64", "--sgemm-repeats", "1",
                "--lora-r", "4", "--trainable", "embed,norm", "--learning-rate", "1e-3");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.lastLine());
        assertEquals("embed,norm", json.at("/lora/trainable").asText(), json.toString());
        assertEquals(1e-3, json.at("/optimizer/learning_rate").asDouble(), 0.0, json.toString());
        JsonNode row = json.get("results").get(0);
        assertFalse(row.has("error"), row.toString());
        assertTrue(Double.isFinite(row.get("loss").asDouble()), row.toString());
        LoraConfig lora = new LoraConfig(4, 16, 0, List.of("q_proj", "k_proj", "v_proj", "o_proj"),
                java.util.EnumSet.of(TrainableExtra.EMBED, TrainableExtra.NORM));
        TrainStepFlops f = TrainStepFlops.count(LlamaConfig.load(ModelFixtures.tinyBase()), lora,
                AttentionPattern.of(dev.sinklora.model.attention.AttentionMode.SF, 32, null, null), 1, 32);
        assertEquals(f.model() / 1e9, row.get("model_gflop").asDouble(), 1e-12);
    }

    @Test
    void unknownRecomputeModeIsRejected() {
        assertBadInput("--recompute: unknown mode 'all'", "--recompute", "layer,all");
    }

    @Test
    void zeroStepsIsRejected() {
        assertBadInput("--steps must be >= 1", "--steps", "0");
    }

    @Test
    void lengthBelowTwoIsRejected() {
        assertBadInput("each length must be >= 2", "--lengths", "1024,1");
    }

    @Test
    void unknownModeIsRejected() {
        assertBadInput("unknown attention mode 'dense'", "--modes", "sf,dense");
    }

    @Test
    void negativeSparkRoundsAreRejected() {
        assertBadInput("--spark-rounds must be >= 0", "--spark-rounds", "-1");
    }

    @Test
    void zeroAveragingFrequencyIsRejected() {
        assertBadInput("--averaging-frequency must be >= 1", "--averaging-frequency", "0");
    }

    @Test
    void nonPositiveMemoryBudgetIsRejected() {
        assertBadInput("--memory-budget must be > 0", "--memory-budget", "0");
    }

    @Test
    void unknownLoraTargetIsRejected() {
        assertBadInput("LoRA target 'x_proj'", "--lora-targets", "q_proj,x_proj");
    }

    @Test
    void missingBaseIsRejected(@TempDir Path tmp) {
        CliRunner.Result r = CliRunner.run("bench-train", "--base", tmp.resolve("nope").toString(), "--lengths", "8");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("not a directory"), r.err());
    }

    /** Runs with the fixture as base; validation must fail before any benchmark runs. */
    private static void assertBadInput(String message, String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "bench-train";
        all[1] = "--base";
        all[2] = BASE;
        System.arraycopy(args, 0, all, 3, args.length);
        CliRunner.Result r = CliRunner.run(all);
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("sinklora bench-train: error: ") && r.err().contains(message), r.err());
        assertFalse(r.out().contains("sgemm"), "a benchmark ran before validation: " + r.out());
    }
}
