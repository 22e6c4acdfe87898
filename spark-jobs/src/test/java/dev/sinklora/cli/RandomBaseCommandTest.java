package dev.sinklora.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.io.safetensors.Checkpoint;
import dev.sinklora.model.io.safetensors.DType;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.LlamaTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `sinklora random-base`: a preset slice with sizes overridden loads back with LlamaModel; options are validated. */
class RandomBaseCommandTest {

    @TempDir
    Path dir;

    @Test
    void presetSliceWithSmallerSizesLoadsBackInBf16() throws Exception {
        Path out = dir.resolve("slice");
        CliRunner.Result r = CliRunner.run("random-base", "--out", out.toString(), "--preset", "tinyllama-1.1b",
                "--layers", "2", "--hidden", "64", "--intermediate", "96", "--vocab", "100", "--seed", "3");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.lastLine());
        LlamaModel model = LlamaModel.load(out);                  // every tensor present with the implied shape
        LlamaConfig c = model.config();
        assertEquals(64, c.hiddenSize());
        assertEquals(32, c.numAttentionHeads());                   // from the preset
        assertEquals(4, c.numKeyValueHeads());                     // from the preset
        assertEquals(96, c.intermediateSize());
        assertEquals(100, c.vocabSize());
        assertEquals(2, c.numHiddenLayers());
        assertEquals(2048, c.maxPositionEmbeddings());
        assertTrue(Files.readString(out.resolve("config.json")).contains("\"torch_dtype\" : \"bfloat16\""));
        long params = 0;
        try (Checkpoint ckpt = Checkpoint.open(out)) {
            for (String name : LlamaTensors.names(c)) {
                assertEquals(DType.BF16, ckpt.info(name).dtype(), name);
                assertArrayEquals(LlamaTensors.shape(c, name), ckpt.info(name).shape(), name);
                params += ckpt.info(name).numel();
            }
        }
        assertEquals(params, json.get("parameters").asLong());
        assertEquals(2 * params, json.get("stored_bytes").asLong());
        assertEquals("BF16", json.get("dtype").asText());
        // the values are N(0, 1/in) projections, not zeros or garbage
        double std = model.weights().get("model.layers.1.mlp.down_proj.weight").stdNumber().doubleValue();
        assertEquals(1 / Math.sqrt(96), std, 0.02);
    }

    @Test
    void explicitShapeWithoutPresetInF32() throws Exception {
        Path out = dir.resolve("explicit");
        CliRunner.Result r = CliRunner.run("random-base", "--out", out.toString(), "--hidden", "32", "--heads", "4",
                "--intermediate", "40", "--vocab", "50", "--layers", "1", "--dtype", "f32");
        assertEquals(0, r.exitCode(), r.err());
        LlamaConfig c = LlamaModel.load(out).config();
        assertEquals(4, c.numKeyValueHeads());                     // defaults to --heads
        assertEquals(4096, c.maxPositionEmbeddings());
        try (Checkpoint ckpt = Checkpoint.open(out)) {
            assertEquals(DType.F32, ckpt.dominantDType());
        }
    }

    @Test
    void userErrorsExitTwoWithOneLine() throws Exception {
        String out = dir.resolve("bad").toString();
        assertUserError("--hidden is required without --preset", "--out", out, "--heads", "4");
        assertUserError("unknown preset 'llama9'", "--out", out, "--preset", "llama9");
        assertUserError("--kv-heads 3 must divide --heads 32", "--out", out, "--preset", "llama2-7b", "--kv-heads", "3");
        assertUserError("into an even head dimension", "--out", out, "--preset", "llama2-7b", "--hidden", "96");
        assertUserError("--layers must be >= 1", "--out", out, "--preset", "llama2-7b", "--layers", "0");
        assertUserError("--dtype: unsupported safetensors dtype", "--out", out, "--preset", "llama2-7b", "--dtype", "F64");
        assertUserError("--max-shard-size", "--out", out, "--preset", "llama2-7b", "--max-shard-size", "lots");
        assertFalse(Files.exists(dir.resolve("bad")));
        Path existing = Files.createDirectories(dir.resolve("existing"));
        Files.writeString(existing.resolve("keep.txt"), "not ours");          // an empty directory would be used
        assertUserError("output already exists; pass --overwrite", "--out", existing.toString(), "--hidden", "8",
                "--heads", "2", "--intermediate", "8", "--vocab", "8", "--layers", "1");
    }

    private static void assertUserError(String message, String... args) {
        CliRunner.assertUserError("random-base", message, args);
    }
}
