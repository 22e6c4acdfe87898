package dev.sinklora.model.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.io.safetensors.Checkpoint;
import dev.sinklora.model.io.safetensors.SafetensorsFile;
import dev.sinklora.model.io.safetensors.TensorInfo;
import dev.sinklora.model.llama.Fixtures;
import dev.sinklora.model.llama.LlamaModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PeftAdapterIOTest {

    static LlamaModel base;

    @BeforeAll
    static void load() throws IOException {
        base = LlamaModel.load(Fixtures.tinyBase());
    }

    @Test
    void readsTheFixtureAdapter() throws IOException {
        LoraAdapter a = PeftAdapterIO.read(Fixtures.tinyAdapter());
        assertEquals(4, a.config().r());
        assertEquals(2.0, a.scaling());
        assertEquals(List.of("q_proj", "k_proj", "v_proj", "o_proj"), a.config().targets());
        assertEquals(8, a.modules().size());
        assertTrue(a.extras().isEmpty());
        assertNull(a.trainingInfo());
        LoraModule q0 = a.modules().get("model.layers.0.self_attn.q_proj");
        assertArrayEquals(new long[]{4, 64}, q0.a().shape());
        assertArrayEquals(new long[]{64, 4}, q0.b().shape());
    }

    /** Pins PEFT's naming: every key and shape of a written adapter with all targets plus embed and norms. */
    @Test
    void writtenAdapterHasExactlyPeftKeysAndShapes(@TempDir Path tmp) throws IOException {
        LoraConfig cfg = new LoraConfig(8, 16, 0.05, LoraConfig.ALL_TARGETS,
                EnumSet.of(TrainableExtra.EMBED, TrainableExtra.NORM));
        LoraAdapter a = LoraInit.create(base.config(), cfg, 7, n -> base.weights().get(n),
                new AdapterTrainingInfo(4.0, new AttentionPattern(AttentionMode.SF, 2048, 4), 8192));
        PeftAdapterIO.write(tmp, a);

        Map<String, List<Long>> want = new TreeMap<>();
        for (int l = 0; l < 2; l++) {
            String p = "base_model.model.model.layers." + l + ".";
            want.put(p + "self_attn.q_proj.lora_A.weight", List.of(8L, 64L));
            want.put(p + "self_attn.q_proj.lora_B.weight", List.of(64L, 8L));
            want.put(p + "self_attn.k_proj.lora_A.weight", List.of(8L, 64L));
            want.put(p + "self_attn.k_proj.lora_B.weight", List.of(64L, 8L));
            want.put(p + "self_attn.v_proj.lora_A.weight", List.of(8L, 64L));
            want.put(p + "self_attn.v_proj.lora_B.weight", List.of(64L, 8L));
            want.put(p + "self_attn.o_proj.lora_A.weight", List.of(8L, 64L));
            want.put(p + "self_attn.o_proj.lora_B.weight", List.of(64L, 8L));
            want.put(p + "mlp.gate_proj.lora_A.weight", List.of(8L, 64L));
            want.put(p + "mlp.gate_proj.lora_B.weight", List.of(172L, 8L));
            want.put(p + "mlp.up_proj.lora_A.weight", List.of(8L, 64L));
            want.put(p + "mlp.up_proj.lora_B.weight", List.of(172L, 8L));
            want.put(p + "mlp.down_proj.lora_A.weight", List.of(8L, 172L));
            want.put(p + "mlp.down_proj.lora_B.weight", List.of(64L, 8L));
            want.put(p + "input_layernorm.weight", List.of(64L));
            want.put(p + "post_attention_layernorm.weight", List.of(64L));
        }
        want.put("base_model.model.model.embed_tokens.weight", List.of(256L, 64L));
        want.put("base_model.model.model.norm.weight", List.of(64L));

        Map<String, List<Long>> got = new TreeMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(tmp.resolve("adapter_model.safetensors"))) {
            for (TensorInfo t : f.tensors().values()) {
                assertEquals("F32", t.dtype().name(), t.name());
                List<Long> s = new ArrayList<>();
                for (long d : t.shape()) {
                    s.add(d);
                }
                got.put(t.name(), s);
            }
            assertEquals(Map.of("format", "pt"), f.metadata());
        }
        assertEquals(want, got);

        JsonNode c = new ObjectMapper().readTree(tmp.resolve("adapter_config.json").toFile());
        assertEquals("LORA", c.get("peft_type").asText());
        assertEquals("CAUSAL_LM", c.get("task_type").asText());
        assertEquals(8, c.get("r").asInt());
        assertTrue(c.get("lora_alpha").isIntegralNumber());
        assertEquals(16, c.get("lora_alpha").asInt());
        assertEquals(0.05, c.get("lora_dropout").asDouble());
        assertEquals("none", c.get("bias").asText());
        assertEquals(LoraConfig.ALL_TARGETS, strings(c.get("target_modules")));
        assertEquals(List.of("embed_tokens", "input_layernorm", "post_attention_layernorm", "norm"),
                strings(c.get("modules_to_save")));

        JsonNode s = new ObjectMapper().readTree(tmp.resolve("sinklora.json").toFile());
        assertEquals("linear", s.get("rope_scaling").get("type").asText());
        assertEquals(4.0, s.get("rope_scaling").get("factor").asDouble());
        assertEquals("sf", s.get("attention").get("mode").asText());
        assertEquals(8192, s.get("seq_len").asInt());
    }

    @Test
    void writeThenReadRoundTrips(@TempDir Path tmp) throws IOException {
        LoraConfig cfg = new LoraConfig(4, 8, 0.1, List.of("q_proj", "down_proj"), EnumSet.of(TrainableExtra.NORM));
        AdapterTrainingInfo info = new AdapterTrainingInfo(2.5, new AttentionPattern(AttentionMode.S2, 16, 0), 64);
        LoraAdapter a = LoraInit.create(base.config(), cfg, 3, n -> base.weights().get(n), info);
        PeftAdapterIO.write(tmp, a);
        LoraAdapter b = PeftAdapterIO.read(tmp);

        assertEquals(a.config(), b.config());
        assertEquals(info, b.trainingInfo());
        assertEquals(a.modules().keySet(), b.modules().keySet());
        for (String m : a.modules().keySet()) {
            assertEquals(a.modules().get(m).a(), b.modules().get(m).a(), m);
            assertEquals(a.modules().get(m).b(), b.modules().get(m).b(), m);
        }
        assertEquals(a.extras(), b.extras());
        assertEquals(5, b.extras().size());
    }

    @Test
    void fixtureAdapterSurvivesARewrite(@TempDir Path tmp) throws IOException {
        LoraAdapter a = PeftAdapterIO.read(Fixtures.tinyAdapter());
        PeftAdapterIO.write(tmp, a);
        try (Checkpoint orig = Checkpoint.open(Fixtures.tinyAdapter(), "adapter_model.safetensors");
             Checkpoint rewritten = Checkpoint.open(tmp, "adapter_model.safetensors")) {
            assertEquals(orig.names(), rewritten.names());
            for (String n : orig.names()) {
                assertEquals(orig.load(n), rewritten.load(n), n);
            }
        }
    }

    @Test
    void truncatedAdapterFileIsRejected(@TempDir Path tmp) throws IOException {
        Path dir = LoraTestSupport.copyDir(Fixtures.tinyAdapter(), tmp.resolve("adapter"));
        Path file = dir.resolve("adapter_model.safetensors");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 100);
        }
        BadInputException e = assertThrows(BadInputException.class, () -> PeftAdapterIO.read(dir));
        assertTrue(e.getMessage().contains("adapter_model.safetensors"), e.getMessage());
    }

    @Test
    void tensorOfAnUntargetedModuleIsRejectedByName(@TempDir Path tmp) throws IOException {
        Path dir = LoraTestSupport.copyDir(Fixtures.tinyAdapter(), tmp.resolve("adapter"));
        String cfg = Files.readString(dir.resolve("adapter_config.json"))
                .replace("\"k_proj\",", "");
        Files.writeString(dir.resolve("adapter_config.json"), cfg);
        BadInputException e = assertThrows(BadInputException.class, () -> PeftAdapterIO.read(dir));
        assertTrue(e.getMessage().contains("base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight"),
                e.getMessage());
        assertTrue(e.getMessage().contains("target_modules"), e.getMessage());
    }

    @Test
    void missingHalfOfAPairIsRejectedByName(@TempDir Path tmp) throws IOException {
        LoraAdapter a = PeftAdapterIO.read(Fixtures.tinyAdapter());
        PeftAdapterIO.write(tmp, a);
        // Rewrite the weights without one lora_B.
        Path file = tmp.resolve("adapter_model.safetensors");
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> kept = new LinkedHashMap<>();
        try (Checkpoint c = Checkpoint.open(tmp, "adapter_model.safetensors")) {
            for (String n : c.names()) {
                if (!n.equals("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight")) {
                    kept.put(n, c.load(n));
                }
            }
        }
        List<dev.sinklora.model.io.safetensors.SafetensorsWriter.Entry> entries = new ArrayList<>();
        kept.forEach((n, t) -> entries.add(new dev.sinklora.model.io.safetensors.SafetensorsWriter.Entry(
                n, dev.sinklora.model.io.safetensors.DType.F32, t.shape(), () -> t)));
        dev.sinklora.model.io.safetensors.SafetensorsWriter.write(file, entries, Map.of());
        BadInputException e = assertThrows(BadInputException.class, () -> PeftAdapterIO.read(tmp));
        assertTrue(e.getMessage().contains("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight"),
                e.getMessage());
    }

    @Test
    void unsupportedPeftOptionsAreRejected(@TempDir Path tmp) throws IOException {
        Path dir = LoraTestSupport.copyDir(Fixtures.tinyAdapter(), tmp.resolve("adapter"));
        String orig = Files.readString(dir.resolve("adapter_config.json"));
        for (String[] c : new String[][]{
                {"\"use_dora\": true,", "use_dora"},
                {"\"use_rslora\": true,", "use_rslora"},
                {"\"layers_to_transform\": [0],", "layers_to_transform"},
                {"\"modules_to_save\": [\"classifier\"],", "classifier"}}) {
            Files.writeString(dir.resolve("adapter_config.json"), orig.replaceFirst("\\{", "{" + c[0]));
            BadInputException e = assertThrows(BadInputException.class, () -> PeftAdapterIO.read(dir), c[1]);
            assertTrue(e.getMessage().contains(c[1]) && e.getMessage().contains("adapter_config.json"),
                    e.getMessage());
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
