package dev.sinklora.model.config;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.lora.AdapterTrainingInfo;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one {@code rope_scaling} reader, through both files that carry it: a model's {@code config.json}
 * ({@link LlamaConfig#parse}) and an adapter's {@code sinklora.json} ({@link AdapterTrainingInfo#parse}).
 */
class RopeScalingTest {

    private static final String CONFIG = """
            {"hidden_size": 64, "intermediate_size": 172, "num_attention_heads": 4, "num_key_value_heads": 2,
             "num_hidden_layers": 2, "rms_norm_eps": 1e-6, "rope_theta": 500000.0, "vocab_size": 256,
             "max_position_embeddings": 131072, "extra_field": "kept", "rope_scaling": %s}""";
    private static final String LLAMA_31 = """
            {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
             "original_max_position_embeddings": 8192, "rope_type": "llama3"}""";
    private static final String CONFIG_FILE = "/models/l3/config.json";
    private static final String ADAPTER_FILE = "/runs/a/sinklora.json";

    static LlamaConfig config(String ropeScaling) {
        return LlamaConfig.parse(CONFIG.formatted(ropeScaling), CONFIG_FILE);
    }

    static AdapterTrainingInfo adapter(String ropeScaling) {
        return AdapterTrainingInfo.parse(("{\"format\": \"sinklora-adapter/1\", \"rope_scaling\": " + ropeScaling + "}")
                .getBytes(StandardCharsets.UTF_8), ADAPTER_FILE);
    }

    /** Both files refuse {@code ropeScaling} with one line naming the file and containing every {@code words}. */
    static void refusedByBoth(String ropeScaling, String... words) {
        refusedByConfig(ropeScaling, words);
        assertOneLine(assertThrows(BadInputException.class, () -> adapter(ropeScaling)), ADAPTER_FILE, words);
    }

    static void refusedByConfig(String ropeScaling, String... words) {
        assertOneLine(assertThrows(BadInputException.class, () -> config(ropeScaling)), CONFIG_FILE, words);
    }

    static void assertOneLine(BadInputException e, String file, String... words) {
        String m = e.getMessage();
        assertTrue(m.startsWith(file + ": "), m);
        assertFalse(m.contains("\n"), m);
        for (String w : words) {
            assertTrue(m.contains(w), "'" + w + "' missing from: " + m);
        }
    }

    @Test
    void ropeTypeAndTypeAreBothReadAndMustAgree() {
        for (String rs : new String[]{"{\"rope_type\": \"linear\", \"factor\": 4}", "{\"type\": \"linear\", \"factor\": 4}",
                "{\"type\": \"linear\", \"rope_type\": \"linear\", \"factor\": 4}"}) {
            assertEquals(4.0, config(rs).ropeFactor(), rs);
            assertEquals(4.0, adapter(rs).ropeFactor(), rs);
        }
        assertEquals(8.0, config(LLAMA_31.replace("rope_type", "type")).ropeScaling().llama3().factor());
        refusedByBoth("{\"rope_type\": \"linear\", \"type\": \"dynamic\", \"factor\": 4}",
                "rope_scaling.rope_type 'linear'", "rope_scaling.type 'dynamic'", "disagree");
        // no type at all: sinklora.json used to take that as linear, HF refuses it; now both files refuse it
        refusedByBoth("{\"factor\": 4}", "rope_scaling has no 'rope_type'");
        refusedByBoth("{\"rope_type\": 3, \"factor\": 4}", "rope_scaling.rope_type must be a string");
    }

    @Test
    void defaultAndNullMeanNoScaling() {
        for (String rs : new String[]{"null", "{\"rope_type\": \"default\"}", "{\"type\": \"default\", \"factor\": 9}"}) {
            assertNull(config(rs).ropeScaling(), rs);
            assertEquals(1.0, config(rs).ropeFactor(), rs);
            assertEquals(1.0, adapter(rs).ropeFactor(), rs);
            assertNull(adapter(rs).ropeScaling(), rs);
        }
        refusedByBoth("\"linear\"", "rope_scaling must be an object or null");
    }

    @Test
    void linearNeedsAPositiveFactor() {
        LlamaConfig c = config("{\"rope_type\": \"linear\", \"factor\": 2.5}");
        assertEquals(new RopeScaling(2.5, null), c.ropeScaling());
        assertEquals("linear", c.ropeScaling().type());
        refusedByBoth("{\"type\": \"linear\"}", "rope_scaling.factor is missing or not a number");
        refusedByBoth("{\"type\": \"linear\", \"factor\": \"4\"}", "rope_scaling.factor is missing or not a number", "\"4\"");
        refusedByBoth("{\"type\": \"linear\", \"factor\": -1}", "rope_scaling.factor must be a positive number");
        refusedByBoth("{\"type\": \"linear\", \"factor\": 0}", "rope_scaling.factor must be a positive number");
        refusedByBoth("{\"type\": \"linear\", \"factor\": 1e999}", "rope_scaling.factor must be a positive number");
    }

    @Test
    void llama3IsReadFromConfigJson() {
        LlamaConfig c = config(LLAMA_31);
        assertEquals(new RopeScaling(1.0, new RopeScaling.Llama3(8, 1, 4, 8192)), c.ropeScaling());
        assertEquals("llama3", c.ropeScaling().type());
        assertEquals(1.0, c.ropeFactor(), "llama3 frequencies alone: no linear position interpolation");
    }

    @Test
    void llama3WithAMissingOrInvalidFieldIsRefusedNamingFileAndField() {
        for (String field : new String[]{"factor", "low_freq_factor", "high_freq_factor"}) {
            refusedByConfig(LLAMA_31.replaceAll("\"" + field + "\": [0-9.]+,", ""),
                    "rope_scaling." + field + " is missing or not a number");
            refusedByConfig(LLAMA_31.replaceAll("\"" + field + "\": [0-9.]+,", "\"" + field + "\": null,"),
                    "rope_scaling." + field + " is missing or not a number");
            refusedByConfig(LLAMA_31.replaceAll("\"" + field + "\": [0-9.]+,", "\"" + field + "\": \"x\","),
                    "rope_scaling." + field + " is missing or not a number");
            refusedByConfig(LLAMA_31.replaceAll("\"" + field + "\": [0-9.]+,", "\"" + field + "\": -2,"),
                    "rope_scaling." + field + " must be a positive number, got -2.0");
        }
        String original = "\"original_max_position_embeddings\": 8192";
        refusedByConfig(LLAMA_31.replace(original + ",", ""),
                "rope_scaling.original_max_position_embeddings is missing or not a positive integer");
        for (String bad : new String[]{"8192.5", "0", "-8192", "\"8192\"", "99999999999"}) {
            refusedByConfig(LLAMA_31.replace(original, "\"original_max_position_embeddings\": " + bad),
                    "rope_scaling.original_max_position_embeddings is missing or not a positive integer", bad);
        }
        refusedByConfig(LLAMA_31.replace("\"high_freq_factor\": 4.0", "\"high_freq_factor\": 1.0"),
                "rope_scaling.high_freq_factor (1.0) must be greater than low_freq_factor (1.0)");
        refusedByConfig(LLAMA_31.replace("\"factor\": 8.0", "\"factor\": 0"), "rope_scaling.factor must be a positive number");
    }

    @Test
    void unknownTypesAreRefusedWithTheFileName() {
        for (String type : new String[]{"dynamic", "yarn", "longrope", "ntk", "Linear", ""}) {
            refusedByBoth("{\"rope_type\": \"" + type + "\", \"factor\": 2.0}",
                    "rope_scaling type '" + type + "' is not supported");
        }
    }

    @Test
    void sinkloraJsonRecordsOnlyLinearInterpolation() {
        refusedByBoth(LLAMA_31.replace("\"factor\": 8.0", "\"factor\": 0"), "rope_scaling.factor");
        assertOneLine(assertThrows(BadInputException.class, () -> adapter(LLAMA_31)), ADAPTER_FILE,
                "rope_scaling type 'llama3' does not belong here", "linear position interpolation");
        AdapterTrainingInfo info = new AdapterTrainingInfo(4.0, null, null);
        assertEquals(4.0, AdapterTrainingInfo.parse(info.toJson().getBytes(StandardCharsets.UTF_8), "rt").ropeFactor());
    }

    @Test
    void llama3SurvivesConfigJsonAndLinearInterpolationGoesOnTop() {
        LlamaConfig c = config(LLAMA_31);
        LlamaConfig back = LlamaConfig.parse(c.toJson(), "round trip");
        assertEquals(c.ropeScaling(), back.ropeScaling());
        assertTrue(c.toJson().contains("\"extra_field\" : \"kept\""), c.toJson());

        LlamaConfig pi = c.withRopeFactor(4);
        assertEquals(new RopeScaling(4.0, c.ropeScaling().llama3()), pi.ropeScaling());
        assertEquals(4.0, pi.ropeFactor());
        assertEquals(c.ropeScaling(), pi.withRopeFactor(1).ropeScaling(), "factor 1 keeps the llama3 frequencies");
        BadInputException e = assertThrows(BadInputException.class, pi::toJson);
        assertTrue(e.getMessage().contains("no Hugging Face config.json spelling"), e.getMessage());

        LlamaConfig linear = config("{\"type\": \"linear\", \"factor\": 2}");
        assertEquals(new RopeScaling(3.0, null), linear.withRopeFactor(3).ropeScaling(), "a linear factor is replaced");
        assertNull(linear.withRopeFactor(1).ropeScaling());
        assertTrue(linear.withRopeFactor(1).toJson().contains("\"rope_scaling\" : null"));
    }
}
