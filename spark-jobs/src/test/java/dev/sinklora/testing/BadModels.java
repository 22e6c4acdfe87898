package dev.sinklora.testing;

import dev.sinklora.model.io.safetensors.DType;
import dev.sinklora.model.io.safetensors.SafetensorsWriter;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.lora.LoraAdapter;
import dev.sinklora.model.lora.LoraModule;
import dev.sinklora.model.lora.PeftAdapterIO;
import dev.sinklora.model.lora.PeftKeys;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/** Copies of the tiny-llama fixture spoiled in one way each, for bad-input tests. */
public final class BadModels {

    private BadModels() {
    }

    /** A copy of the fixture base (config.json + model.safetensors) in {@code dir}. */
    public static Path copyBase(Path dir) throws IOException {
        return copyFiles(ModelFixtures.tinyBase(), dir);
    }

    /** A copy of the fixture adapter in {@code dir}. */
    public static Path copyAdapter(Path dir) throws IOException {
        return copyFiles(ModelFixtures.tinyAdapter(), dir);
    }

    /** Rewrites {@code dir/name} (a text file) with {@code edit}; fails if the edit changed nothing. */
    public static void edit(Path dir, String name, UnaryOperator<String> edit) throws IOException {
        Path f = dir.resolve(name);
        String before = Files.readString(f);
        String after = edit.apply(before);
        if (after.equals(before)) {
            throw new IllegalStateException("the edit of " + f + " changed nothing (fixture layout changed?)");
        }
        Files.writeString(f, after);
    }

    /** The fixture adapter with element 0 of the first module's lora_B set to {@code value}; returns its key. */
    public static String adapterWithValueInB(Path dir, float value) throws IOException {
        LoraAdapter a = PeftAdapterIO.read(ModelFixtures.tinyAdapter());
        LoraModule first = a.modules().values().iterator().next();
        first.b().putScalar(0, value); // [out, r]
        PeftAdapterIO.write(dir, a);
        return PeftKeys.loraB(first.module());
    }

    /** The fixture base with element 0 of {@code tensor} set to {@code value}. */
    public static Path baseWithValue(Path dir, String tensor, float value) throws IOException {
        Files.createDirectories(dir);
        Files.copy(ModelFixtures.tinyBase().resolve("config.json"), dir.resolve("config.json"));
        Map<String, INDArray> weights = LlamaModel.load(ModelFixtures.tinyBase()).weights();
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        weights.forEach((name, w) -> {
            INDArray t = name.equals(tensor) ? w.dup() : w;
            if (t != w) {
                t.putScalar(0, value);
            }
            entries.add(new SafetensorsWriter.Entry(name, DType.F32, t.shape(), () -> t));
        });
        SafetensorsWriter.write(dir.resolve(SafetensorsWriter.SINGLE_FILE_NAME), entries, Map.of("format", "pt"));
        return dir;
    }

    /** Every regular file under {@code dir}, relative, sorted: to show nothing was written or lost. */
    public static List<String> listing(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    private static Path copyFiles(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path f : s.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }
}
