package dev.sinklora.train.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.lora.TrainableExtra;
import dev.sinklora.train.RecomputeMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The run config's groups: validation naming the option, the JSON a checkpoint records, and the resume check. */
class TrainConfigTest {

    static final LoraConfig LORA = new LoraConfig(4, 8, 0, List.of("q_proj", "v_proj"), EnumSet.of(TrainableExtra.NORM));

    /** A resolved config, as a checkpoint records it. */
    static TrainConfig resolved() {
        return new TrainConfig(new ModelConfig("file:/base", AttentionMode.SF, 8, 4, 2.0, RecomputeMode.LAYER), LORA,
                new OptimizerConfig(5e-3, 2, 0.01), new DataConfig("file:/data/train", 32, 1, "abc123"),
                new RunConfig("file:/run", 8, null, 4, 2, 2, 7, false, false));
    }

    private static void assertBad(String message, Executable e) {
        BadInputException x = assertThrows(BadInputException.class, e);
        assertEquals(message, x.getMessage());
        assertFalse(x.getMessage().contains("\n"));
    }

    @Test
    void everyGroupRefusesBadValuesNamingTheOption() {
        assertBad("--base is required", () -> new ModelConfig(" ", AttentionMode.SF, null, null, null, RecomputeMode.LAYER));
        assertBad("--group-size must be > 0, got 0",
                () -> new ModelConfig("b", AttentionMode.SF, 0, null, null, RecomputeMode.LAYER));
        assertBad("--sink-tokens must be >= 0, got -1",
                () -> new ModelConfig("b", AttentionMode.SF, null, -1, null, RecomputeMode.LAYER));
        assertBad("--rope-factor must be > 0, got NaN",
                () -> new ModelConfig("b", AttentionMode.SF, null, null, Double.NaN, RecomputeMode.LAYER));
        assertBad("--group-size and --sink-tokens do not apply to --attention full",
                () -> new ModelConfig("b", AttentionMode.FULL, null, 4, null, RecomputeMode.LAYER));
        assertBad("--recompute is required", () -> new ModelConfig("b", AttentionMode.SF, null, null, null, null));

        assertBad("--learning-rate must be > 0, got 0.0", () -> new OptimizerConfig(0, 0, 0));
        assertBad("--learning-rate must be > 0, got Infinity", () -> new OptimizerConfig(Double.POSITIVE_INFINITY, 0, 0));
        assertBad("--warmup-steps must be >= 0, got -1", () -> new OptimizerConfig(1e-3, -1, 0));
        assertBad("--weight-decay must be >= 0, got -0.1", () -> new OptimizerConfig(1e-3, 0, -0.1));

        assertBad("--data is required", () -> new DataConfig(null, null, 1));
        assertBad("--seq-len must be >= 2, got 1", () -> new DataConfig("d", 1, 1));
        assertBad("--batch-size must be > 0, got 0", () -> new DataConfig("d", null, 0));

        assertBad("--out is required", () -> new RunConfig("", null, null, 1, 1, null, 0, false, false));
        assertBad("--max-steps must be > 0, got 0", () -> new RunConfig("o", 0, null, 1, 1, null, 0, false, false));
        assertBad("--epochs must be > 0, got 0", () -> new RunConfig("o", null, 0, 1, 1, null, 0, false, false));
        assertBad("give --max-steps or --epochs, not both", () -> new RunConfig("o", 2, 1, 1, 1, null, 0, false, false));
        assertBad("--save-every must be > 0, got 0", () -> new RunConfig("o", null, null, 0, 1, null, 0, false, false));
        assertBad("--averaging-frequency must be > 0, got 0",
                () -> new RunConfig("o", null, null, 1, 0, null, 0, false, false));
        assertBad("--workers must be > 0, got 0", () -> new RunConfig("o", null, null, 1, 1, 0, 0, false, false));
        assertBad("--resume and --overwrite contradict each other",
                () -> new RunConfig("o", null, null, 1, 1, null, 0, true, true));

        TrainConfig c = resolved();
        assertBad("LoRA dropout 0.1: training applies no dropout", () -> c.withLora(
                new LoraConfig(4, 8, 0.1, List.of("q_proj"), Set.of())));
    }

    @Test
    void theLearningRateWarmsUpLinearlyThenStaysConstant() {
        OptimizerConfig o = new OptimizerConfig(1e-3, 4, 0);
        assertEquals(0.25e-3, o.learningRateAt(0), 1e-15);
        assertEquals(1e-3, o.learningRateAt(3), 1e-15);
        assertEquals(1e-3, o.learningRateAt(100), 1e-15);
        assertEquals(1e-3, new OptimizerConfig(1e-3, 0, 0).learningRateAt(0), 0.0);
    }

    @Test
    void theJsonRoundTripGivesTheSameRecords() throws Exception {
        TrainConfig c = resolved();
        JsonNode json = TrainConfigJson.toTree(c);
        assertEquals("sf", json.at("/model/attention").asText());
        assertEquals("layer", json.at("/model/recompute").asText());
        assertEquals(5e-3, json.at("/optimizer/learning_rate").asDouble(), 0.0);
        assertEquals("[\"q_proj\",\"v_proj\"]", json.at("/lora/targets").toString());
        assertEquals("[\"norm\"]", json.at("/lora/trainable").toString());
        assertFalse(json.get("lora").has("dropout"), "training records no dropout: " + json);
        assertEquals("abc123", json.at("/data/fingerprint").asText());
        assertEquals(c, TrainConfigJson.fromTree(json, "t.json"));
        // through text, as trainer_state.json stores it
        JsonNode reread = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(json));
        assertEquals(c, TrainConfigJson.fromTree(reread, "t.json"));

        // nulls (derived values, full attention) survive too
        TrainConfig full = c.withModel(new ModelConfig("b", AttentionMode.FULL, null, null, null, RecomputeMode.NONE))
                .withLora(new LoraConfig(8, 16, 0, LoraConfig.ALL_TARGETS, EnumSet.allOf(TrainableExtra.class)));
        TrainConfig back = TrainConfigJson.fromTree(TrainConfigJson.toTree(full), "t.json");
        assertEquals(full, back);
        assertNull(back.model().groupSize());
    }

    @Test
    void aBadRecordedConfigIsOneLineNamingTheFileAndTheReason() {
        ObjectNode json = (ObjectNode) TrainConfigJson.toTree(resolved());
        ((ObjectNode) json.get("optimizer")).put("learning_rate", -1);
        BadInputException e = assertThrows(BadInputException.class, () -> TrainConfigJson.fromTree(json, "s/t.json"));
        assertEquals("s/t.json: not a valid run config (--learning-rate must be > 0, got -1.0)", e.getMessage());

        ObjectNode mode = (ObjectNode) TrainConfigJson.toTree(resolved());
        ((ObjectNode) mode.get("model")).put("attention", "dense");
        e = assertThrows(BadInputException.class, () -> TrainConfigJson.fromTree(mode, "s/t.json"));
        assertTrue(e.getMessage().startsWith("s/t.json: not a valid run config (unknown attention mode 'dense'"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());

        ObjectNode missing = (ObjectNode) TrainConfigJson.toTree(resolved());
        missing.remove("lora");
        e = assertThrows(BadInputException.class, () -> TrainConfigJson.fromTree(missing, "s/t.json"));
        assertTrue(e.getMessage().startsWith("s/t.json: not a valid run config ("), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void resumeNamesEveryDifferingFieldOfEveryGroup() {
        TrainConfig c = resolved();
        assertEquals(List.of(), ResumeCheck.differences(c, c));
        assertEquals(List.of("--sink-tokens 2 (checkpoint: 4)"), ResumeCheck.differences(c,
                c.withModel(new ModelConfig("file:/base", AttentionMode.SF, 8, 2, 2.0, RecomputeMode.LAYER))));
        assertEquals(List.of("--attention s2 (checkpoint: sf)", "--sink-tokens 0 (checkpoint: 4)"),
                ResumeCheck.differences(c, c.withModel(
                        new ModelConfig("file:/base", AttentionMode.S2, 8, 0, 2.0, RecomputeMode.LAYER))));
        assertEquals(List.of("--lora-r 8 (checkpoint: 4)", "--trainable none (checkpoint: norm)"),
                ResumeCheck.differences(c, c.withLora(new LoraConfig(8, 8, 0, List.of("q_proj", "v_proj"), Set.of()))));
        assertEquals(List.of("--learning-rate 0.001 (checkpoint: 0.005)"),
                ResumeCheck.differences(c, c.withOptimizer(new OptimizerConfig(1e-3, 2, 0.01))));
        assertEquals(List.of("--seq-len 64 (checkpoint: 32)", "--data's manifest fingerprint def (checkpoint: abc123)"),
                ResumeCheck.differences(c, c.withData(new DataConfig("file:/data/train", 64, 1, "def"))));
        assertEquals(List.of("--averaging-frequency 4 (checkpoint: 2)", "--workers 1 (checkpoint: 2)",
                        "--seed 8 (checkpoint: 7)"),
                ResumeCheck.differences(c, c.withRun(new RunConfig("file:/run", 8, null, 4, 4, 1, 8, false, false))));

        BadInputException e = assertThrows(BadInputException.class, () -> ResumeCheck.requireSameRun(c,
                c.withOptimizer(new OptimizerConfig(1e-3, 2, 0.0)), "step-000004"));
        assertEquals("--resume: checkpoint step-000004 belongs to another run: --learning-rate 0.001 (checkpoint: 0.005),"
                + " --weight-decay 0.0 (checkpoint: 0.01); only --max-steps, --epochs, --save-every and --recompute may"
                + " change", e.getMessage());
    }

    @Test
    void resumeMayExtendTheRunAndChangeItsCadenceAndRecomputation() {
        TrainConfig c = resolved();
        TrainConfig longer = c.withModel(c.model().withRecompute(RecomputeMode.NONE))
                .withRun(new RunConfig("file:/elsewhere", null, 3, 50, 2, 2, 7, true, false));
        assertEquals(List.of(), ResumeCheck.differences(c, longer));
        ResumeCheck.requireSameRun(c, longer, "step-000004"); // no exception
        for (String f : ResumeCheck.MAY_DIFFER) {
            assertTrue(f.startsWith("model.") || f.startsWith("run."), f);
        }
    }
}
