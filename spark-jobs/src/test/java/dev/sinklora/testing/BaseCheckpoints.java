package dev.sinklora.testing;

import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.io.safetensors.Checkpoint;
import dev.sinklora.model.io.safetensors.DType;
import dev.sinklora.model.io.safetensors.SafetensorsWriter;
import dev.sinklora.model.random.RandomLlama;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** HF base checkpoints written for tests: random models of a given shape, and dtype copies of a base. */
public final class BaseCheckpoints {

    private BaseCheckpoints() {
    }

    /** Grouped-query attention (4 query heads sharing 2 KV heads, head dim 16), 2 layers, vocab 256. */
    public static LlamaConfig gqa() {
        return RandomLlama.config(64, 96, 4, 2, 2, 256, 128, false);
    }

    /** Writes a random model of config {@code c} ({@link RandomLlama}, seed {@code seed}) to {@code dir} as F32. */
    public static Path writeRandom(Path dir, LlamaConfig c, long seed) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), c.toJson());
        Map<String, INDArray> w = RandomLlama.weights(c, seed, 2.0);
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        w.forEach((name, a) -> entries.add(new SafetensorsWriter.Entry(name, DType.F32, a.shape(), () -> a)));
        SafetensorsWriter.write(dir.resolve(SafetensorsWriter.SINGLE_FILE_NAME), entries, Map.of());
        return dir;
    }

    /** Copies the base at {@code from} to {@code to} with every tensor stored as {@code dtype} (rounded to nearest even). */
    public static Path copyAs(Path from, Path to, DType dtype) throws IOException {
        Files.createDirectories(to);
        Files.copy(from.resolve("config.json"), to.resolve("config.json"));
        try (Checkpoint in = Checkpoint.open(from)) {
            List<SafetensorsWriter.Entry> entries = new ArrayList<>();
            for (String name : in.names()) {
                INDArray a = in.load(name);
                entries.add(new SafetensorsWriter.Entry(name, dtype, a.shape(), () -> a));
            }
            SafetensorsWriter.write(to.resolve(SafetensorsWriter.SINGLE_FILE_NAME), entries, Map.of());
        }
        return to;
    }
}
