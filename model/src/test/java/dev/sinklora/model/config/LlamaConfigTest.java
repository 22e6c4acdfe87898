package dev.sinklora.model.config;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.llama.Fixtures;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LlamaConfigTest {

    private static final String BASE = """
            {"hidden_size": 64, "intermediate_size": 172, "num_attention_heads": 4, "num_key_value_heads": 2,
             "num_hidden_layers": 2, "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "vocab_size": 256,
             "max_position_embeddings": 64, "tie_word_embeddings": false, "extra_field": "kept" %s}""";

    @Test
    void bindsTheFixtureConfig() throws Exception {
        LlamaConfig c = LlamaConfig.load(Fixtures.tinyBase());
        assertEquals(64, c.hiddenSize());
        assertEquals(172, c.intermediateSize());
        assertEquals(4, c.numAttentionHeads());
        assertEquals(4, c.numKeyValueHeads());
        assertEquals(2, c.numHiddenLayers());
        assertEquals(16, c.headDim());
        assertEquals(256, c.vocabSize());
        assertEquals(64, c.maxPositionEmbeddings());
        assertNull(c.ropeScaling());
        assertEquals(1.0, c.ropeFactor());
    }

    @Test
    void linearRopeScalingIsReadInBothSpellings() {
        assertEquals(4.0, LlamaConfig.parse(BASE.formatted(", \"rope_scaling\": {\"type\": \"linear\", \"factor\": 4.0}"), "c").ropeFactor());
        assertEquals(2.0, LlamaConfig.parse(BASE.formatted(", \"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": 2}"), "c").ropeFactor());
        assertEquals(2, LlamaConfig.parse(BASE.formatted(""), "c").kvGroups());
    }

    @Test
    void unknownRopeTypeIsRejectedWithTheFileName() {
        BadInputException e = assertThrows(BadInputException.class, () -> LlamaConfig.parse(
                BASE.formatted(", \"rope_scaling\": {\"type\": \"dynamic\", \"factor\": 2.0}"), "/m/config.json"));
        assertTrue(e.getMessage().contains("/m/config.json") && e.getMessage().contains("dynamic"), e.getMessage());
        assertThrows(BadInputException.class, () -> LlamaConfig.parse(
                BASE.formatted(", \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 2.0}"), "c"));
        assertThrows(BadInputException.class, () -> LlamaConfig.parse(
                BASE.formatted(", \"rope_scaling\": {\"type\": \"linear\"}"), "c"));
        assertThrows(BadInputException.class, () -> LlamaConfig.parse(
                BASE.formatted(", \"rope_scaling\": {\"type\": \"linear\", \"factor\": -1}"), "c"));
    }

    @Test
    void inconsistentShapesAreRejected() {
        assertThrows(BadInputException.class, () -> LlamaConfig.parse(
                BASE.replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3").formatted(""), "c"));
        assertThrows(BadInputException.class, () -> LlamaConfig.parse(
                BASE.replace("\"hidden_size\": 64", "\"hidden_size\": 66").formatted(""), "c"));
        BadInputException e = assertThrows(BadInputException.class, () -> LlamaConfig.parse(
                BASE.replace("\"vocab_size\": 256,", "").formatted(""), "c"));
        assertTrue(e.getMessage().contains("vocab_size"), e.getMessage());
        assertThrows(BadInputException.class, () -> LlamaConfig.parse("[1,2]", "c"));
        assertThrows(BadInputException.class, () -> LlamaConfig.parse("{not json", "c"));
    }

    @Test
    void withRopeScalingRewritesOnlyThatField() {
        LlamaConfig c = LlamaConfig.parse(BASE.formatted(""), "c").withRopeScaling(new RopeScaling(4));
        LlamaConfig back = LlamaConfig.parse(c.toJson(), "round trip");
        assertEquals(4.0, back.ropeFactor());
        assertTrue(c.toJson().contains("\"extra_field\" : \"kept\""), c.toJson());
        assertTrue(c.toJson().contains("\"type\" : \"linear\""), c.toJson());
    }
}
