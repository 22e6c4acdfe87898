package dev.sinklora.model.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinklora.model.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class CheckpointTest {

    @TempDir
    Path dir;

    private static BadInputException rejected(Path dir, String... mustMention) {
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoint.open(dir).close());
        for (String s : mustMention) {
            assertTrue(e.getMessage().contains(s), "expected \"" + s + "\" in: " + e.getMessage());
        }
        return e;
    }

    private static SafetensorsWriter.Entry ones(String name, DType dtype, long n) {
        return new SafetensorsWriter.Entry(name, dtype, new long[] {n}, () -> Nd4j.ones(DataType.FLOAT, n));
    }

    @Test
    void opensTheBaseFixtureDirectory() throws IOException {
        try (Checkpoint ckpt = Checkpoint.open(Fixtures.baseDir());
                SafetensorsFile file = SafetensorsFile.open(Fixtures.baseModel())) {
            assertEquals(21, ckpt.names().size());
            List<String> names = new ArrayList<>(ckpt.names());
            List<String> sorted = new ArrayList<>(names);
            sorted.sort(null);
            assertEquals(sorted, names);
            assertEquals(DType.F32, ckpt.dominantDType());
            assertEquals(file.info("model.layers.1.self_attn.o_proj.weight"),
                    ckpt.info("model.layers.1.self_attn.o_proj.weight"));
            assertArrayEquals(file.loadFloats("model.norm.weight"), ckpt.load("model.norm.weight").toFloatVector());
        }
    }

    @Test
    void opensANamedSingleFileSuchAsAnAdapter() throws IOException {
        try (Checkpoint ckpt = Checkpoint.open(Fixtures.adapterDir(), "adapter_model.safetensors")) {
            assertEquals(16, ckpt.names().size());
            assertTrue(ckpt.contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"));
            assertArrayEquals(new long[] {64, 4},
                    ckpt.info("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight").shape());
        }
        // the adapter directory has no model.safetensors, so the default open must refuse it
        rejected(Fixtures.adapterDir(), "model.safetensors");
    }

    @Test
    void missingTensorNamesCheckpointAndTensor() throws IOException {
        try (Checkpoint ckpt = Checkpoint.open(Fixtures.baseDir())) {
            BadInputException e = assertThrows(BadInputException.class, () -> ckpt.load("nope.weight"));
            assertTrue(e.getMessage().contains("nope.weight"), e.getMessage());
            assertTrue(e.getMessage().contains("base"), e.getMessage());
        }
    }

    @Test
    void dominantDTypeCountsStoredBytes() throws IOException {
        // 10 F32 = 40 B < 30 F16 = 60 B, although F32 has more tensors
        SafetensorsWriter.write(dir.resolve("model.safetensors"), List.of(
                ones("a", DType.F32, 5), ones("b", DType.F32, 5), ones("c", DType.F16, 30)), Map.of());
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            assertEquals(DType.F16, ckpt.dominantDType());
        }
    }

    @Test
    void directoryWithoutWeightsOrMissingDirectoryIsRefused() {
        rejected(dir, dir.toString(), "model.safetensors");
        rejected(dir.resolve("absent"), "absent", "not a directory");
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoint.open(dir, "x.safetensors"));
        assertTrue(e.getMessage().contains("x.safetensors"), e.getMessage());
    }

    @Test
    void indexNamingAMissingShardIsRefused() throws IOException {
        SafetensorsWriter.writeSharded(name -> Files.newOutputStream(dir.resolve(name)),
                List.of(ones("a", DType.F32, 4), ones("b", DType.F32, 4)), 16, Map.of());
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        rejected(dir, "model.safetensors.index.json", "'b'", "model-00002-of-00002.safetensors", "does not exist");
    }

    @Test
    void indexMappingATensorToTheWrongShardIsRefused() throws IOException {
        SafetensorsWriter.write(dir.resolve("one.safetensors"), List.of(ones("a", DType.F32, 4)), Map.of());
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"metadata\":{\"total_size\":32},\"weight_map\":{\"a\":\"one.safetensors\",\"b\":\"one.safetensors\"}}");
        rejected(dir, "'b'", "one.safetensors", "does not contain");
    }

    @Test
    void indexEscapingTheDirectoryOrMalformedIsRefused() throws IOException {
        Path index = dir.resolve("model.safetensors.index.json");
        Files.writeString(index, "{\"weight_map\":{\"a\":\"../elsewhere.safetensors\"}}");
        rejected(dir, "'a'", "../elsewhere.safetensors");
        Files.writeString(index, "{\"weight_map\":{\"a\":7}}");
        rejected(dir, "'a'");
        Files.writeString(index, "{\"metadata\":{}}");
        rejected(dir, "weight_map");
        Files.writeString(index, "{\"weight_map\":");
        rejected(dir, "model.safetensors.index.json", "not valid JSON");
    }

    @Test
    void malformedShardIsRefusedNamingTheShard() throws IOException {
        SafetensorsWriter.writeSharded(name -> Files.newOutputStream(dir.resolve(name)),
                List.of(ones("a", DType.F32, 4), ones("b", DType.F32, 4)), 16, Map.of());
        Files.write(dir.resolve("model-00002-of-00002.safetensors"), new byte[] {1, 2, 3});
        rejected(dir, "model-00002-of-00002.safetensors", "too short");
    }
}
