package dev.sinklora.model.random;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.io.LocalModelDirectory;
import dev.sinklora.model.io.safetensors.Checkpoint;
import dev.sinklora.model.io.safetensors.DType;
import dev.sinklora.model.io.safetensors.HalfFloats;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.LlamaTensors;
import dev.sinklora.model.memory.Nd4jNativeMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Random checkpoints written tensor by tensor load back as the same model, in the requested dtype. */
class RandomCheckpointTest {

    @TempDir
    Path dir;

    static final LlamaConfig CONFIG = RandomLlama.config(32, 48, 4, 2, 2, 40, 128, false);

    @Test
    void f32CheckpointLoadsBackAsRandomLlamaWeights() throws Exception {
        Path out = dir.resolve("f32");
        RandomCheckpoint.Result r = RandomCheckpoint.write(new LocalModelDirectory(out), CONFIG, DType.F32, 7, 1.0,
                5_000_000_000L, false);
        assertEquals(List.of("model.safetensors", "config.json"), r.files());
        LlamaModel model = LlamaModel.load(out);
        assertEquals(CONFIG.hiddenSize(), model.config().hiddenSize());
        assertEquals(CONFIG.numKeyValueHeads(), model.config().numKeyValueHeads());
        assertEquals(CONFIG.numHiddenLayers(), model.config().numHiddenLayers());
        assertTrue(Files.readString(out.resolve("config.json")).contains("\"torch_dtype\" : \"float32\""));
        Map<String, INDArray> expected = RandomLlama.weights(CONFIG, 7, 1.0);
        long params = 0;
        for (String name : LlamaTensors.names(CONFIG)) {
            assertArrayEquals(expected.get(name).ravel().toFloatVector(),
                    model.weights().get(name).ravel().toFloatVector(), name);
            params += expected.get(name).length();
        }
        assertEquals(params, r.parameters());
        assertEquals(params * 4, r.storedBytes());
    }

    @Test
    void bf16ShardedCheckpointHoldsBf16RoundedWeights() throws Exception {
        Path out = dir.resolve("bf16");
        RandomCheckpoint.Result r = RandomCheckpoint.write(new LocalModelDirectory(out), CONFIG, DType.BF16, 3, 1.0,
                4096, false);
        assertTrue(r.files().contains("model.safetensors.index.json"), r.files().toString());
        assertTrue(r.files().size() > 3, r.files().toString());
        assertTrue(Files.readString(out.resolve("config.json")).contains("\"torch_dtype\" : \"bfloat16\""));
        Map<String, INDArray> expected = RandomLlama.weights(CONFIG, 3, 1.0);
        try (Checkpoint ckpt = Checkpoint.open(out)) {
            assertEquals(LlamaTensors.names(CONFIG).size(), ckpt.names().size());
            for (String name : LlamaTensors.names(CONFIG)) {
                assertEquals(DType.BF16, ckpt.info(name).dtype(), name);
                assertArrayEquals(LlamaTensors.shape(CONFIG, name), ckpt.info(name).shape(), name);
                float[] want = expected.get(name).ravel().toFloatVector();
                float[] got = ckpt.load(name).ravel().toFloatVector();
                for (int i = 0; i < want.length; i++) {
                    assertEquals(HalfFloats.bf16ToF32(HalfFloats.f32ToBf16(want[i])), got[i], 0f, name + "[" + i + "]");
                }
            }
        }
        LlamaModel.load(out); // shapes validated against config.json
    }

    @Test
    void existingOutputIsRefusedUnlessOverwriting() throws Exception {
        Path out = dir.resolve("twice");
        RandomCheckpoint.write(new LocalModelDirectory(out), CONFIG, DType.F32, 1, 1.0, 5_000_000_000L, false);
        BadInputException e = assertThrows(BadInputException.class, () -> RandomCheckpoint.write(
                new LocalModelDirectory(out), CONFIG, DType.F32, 2, 1.0, 5_000_000_000L, false));
        assertTrue(e.getMessage().contains("--overwrite"), e.getMessage());
        RandomCheckpoint.write(new LocalModelDirectory(out), CONFIG, DType.F16, 2, 1.0, 5_000_000_000L, true);
        try (Checkpoint ckpt = Checkpoint.open(out)) {
            assertEquals(DType.F16, ckpt.dominantDType());
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of("twice"), files.map(p -> p.getFileName().toString()).toList(), "no temporaries left");
        }
    }

    /** Each tensor is freed when the next is drawn: after the write ND4J holds no more than before. */
    @Test
    void writingHoldsOneTensorNotTheModel() throws Exception {
        LlamaConfig wide = RandomLlama.config(256, 512, 4, 4, 4, 2000, 128, false);
        RandomCheckpoint.write(new LocalModelDirectory(dir.resolve("warm")), CONFIG, DType.BF16, 1, 1.0,
                5_000_000_000L, false);
        long before = Nd4jNativeMemory.allocatedBytes();
        RandomCheckpoint.Result r = RandomCheckpoint.write(new LocalModelDirectory(dir.resolve("wide")), wide,
                DType.BF16, 1, 1.0, 5_000_000_000L, false);
        long held = Nd4jNativeMemory.allocatedBytes() - before;
        assertTrue(held < r.largestTensorBytes(), "ND4J holds " + held + " bytes more after writing "
                + r.parameters() * 4 + " bytes of FP32 weights");
    }

    /** The window that fills a tensor does not change the values: a tensor past one window equals a plain draw. */
    @Test
    void gaussianFillsAcrossWindowsInDrawOrder() {
        long[] shape = {1025, 1024};                                    // one window (2^20) plus 1024
        INDArray a = RandomLlama.gaussian(new SplittableRandom(5), shape, 0.5, 2.0);
        SplittableRandom rnd = new SplittableRandom(5);
        float[] got = a.ravel().toFloatVector();
        for (int i = 0; i < got.length; i++) {
            float want = (float) (0.5 + 2.0 * RandomLlama.gaussian(rnd));
            if (want != got[i]) {
                throw new AssertionError("element " + i + ": " + got[i] + " != " + want);
            }
        }
        assertArrayEquals(shape, a.shape());
        assertFalse(a.isView());
    }
}
