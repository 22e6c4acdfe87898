package dev.sinklora.model.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinklora.model.BadInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Reads the tiny-llama fixtures (hidden 64, intermediate 172, 2 layers, vocab 256, F32). */
class SafetensorsFileFixtureTest {

    private static final String[] LAYER_TENSORS = {
        "input_layernorm.weight", "mlp.down_proj.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight",
        "post_attention_layernorm.weight", "self_attn.k_proj.weight", "self_attn.o_proj.weight",
        "self_attn.q_proj.weight", "self_attn.v_proj.weight",
    };

    @Test
    void listsTheLlamaTensorsWithTheirShapesInHeaderOrder() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.baseModel())) {
            List<String> expected = new ArrayList<>(List.of("lm_head.weight", "model.embed_tokens.weight"));
            for (int layer = 0; layer < 2; layer++) {
                for (String t : LAYER_TENSORS) {
                    expected.add("model.layers." + layer + "." + t);
                }
            }
            expected.add("model.norm.weight");
            assertEquals(expected, new ArrayList<>(f.tensors().keySet()));

            assertArrayEquals(new long[] {256, 64}, f.info("model.embed_tokens.weight").shape());
            assertArrayEquals(new long[] {256, 64}, f.info("lm_head.weight").shape());
            assertArrayEquals(new long[] {172, 64}, f.info("model.layers.0.mlp.gate_proj.weight").shape());
            assertArrayEquals(new long[] {172, 64}, f.info("model.layers.1.mlp.up_proj.weight").shape());
            assertArrayEquals(new long[] {64, 172}, f.info("model.layers.1.mlp.down_proj.weight").shape());
            assertArrayEquals(new long[] {64, 64}, f.info("model.layers.0.self_attn.q_proj.weight").shape());
            assertArrayEquals(new long[] {64}, f.info("model.norm.weight").shape());
            for (TensorInfo t : f.tensors().values()) {
                assertEquals(DType.F32, t.dtype(), t.name());
                assertEquals(t.numel() * 4, t.byteLength(), t.name());
            }
            assertEquals(Map.of("format", "pt"), f.metadata());
            assertTrue(f.contains("model.norm.weight"));
            assertFalse(f.contains("__metadata__"));
        }
    }

    @Test
    void loadsEveryTensorBitExactlyAsStoredInCOrder() throws IOException {
        byte[] raw = Files.readAllBytes(Fixtures.baseModel());
        ByteBuffer file = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        long dataStart = 8 + file.getLong(0);
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.baseModel())) {
            for (TensorInfo t : f.tensors().values()) {
                float[] expected = new float[(int) t.numel()];
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = file.getFloat((int) (dataStart + t.begin() + 4L * i));
                }
                INDArray loaded = f.load(t.name());
                assertEquals(DataType.FLOAT, loaded.dataType());
                assertEquals('c', loaded.ordering());
                assertArrayEquals(t.shape(), loaded.shape(), t.name());
                assertArrayEquals(expected, loaded.data().asFloat(), t.name());
                assertArrayEquals(expected, f.loadFloats(t.name()), t.name());
            }
            // spot-check the element order: row 3, column 5 of the embedding
            INDArray embed = f.load("model.embed_tokens.weight");
            TensorInfo info = f.info("model.embed_tokens.weight");
            assertEquals(file.getFloat((int) (dataStart + info.begin() + 4L * (3 * 64 + 5))),
                    embed.getFloat(3, 5));
        }
    }

    @Test
    void readsTheAdapterFixture() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.adapterModel())) {
            assertEquals(16, f.tensors().size());
            String prefix = "base_model.model.model.layers.1.self_attn.v_proj.";
            assertArrayEquals(new long[] {4, 64}, f.info(prefix + "lora_A.weight").shape());
            assertArrayEquals(new long[] {64, 4}, f.info(prefix + "lora_B.weight").shape());
            assertEquals(256, f.loadFloats(prefix + "lora_A.weight").length);
        }
    }

    @Test
    void missingTensorIsABadInputNamingFileAndTensor() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.baseModel())) {
            BadInputException e = assertThrows(BadInputException.class, () -> f.load("model.layers.9.mlp.x"));
            assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
            assertTrue(e.getMessage().contains("model.layers.9.mlp.x"), e.getMessage());
        }
    }
}
