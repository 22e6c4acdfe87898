package dev.sinklora.model.lora;

import dev.sinklora.model.io.LocalModelDirectory;
import dev.sinklora.model.io.ModelDirectory;
import dev.sinklora.model.io.safetensors.DType;
import dev.sinklora.model.io.safetensors.SafetensorsWriter;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes LoRA adapters in PEFT's on-disk format: {@code adapter_config.json} ({@link PeftAdapterConfig}),
 * {@code adapter_model.safetensors} with PEFT's key names ({@link PeftKeys}), plus this project's
 * {@code sinklora.json} ({@link AdapterTrainingInfo}) when the adapter records how it was trained.
 */
public final class PeftAdapterIO {

    private PeftAdapterIO() {
    }

    /** Reads a whole adapter from a local directory. */
    public static LoraAdapter read(Path dir) throws IOException {
        return read(new LocalModelDirectory(dir));
    }

    /** Reads a whole adapter from a directory on any file system. */
    public static LoraAdapter read(ModelDirectory dir) throws IOException {
        try (PeftAdapterReader r = PeftAdapterReader.open(dir)) {
            return r.readAll();
        }
    }

    /** Writes {@code adapter} into a local directory (created if needed; existing files replaced). */
    public static void write(Path dir, LoraAdapter adapter) throws IOException {
        write(new LocalModelDirectory(dir), adapter);
    }

    /**
     * Writes {@code adapter} into {@code dir} (created if needed; existing files replaced). Tensors are stored as F32
     * in key order with {@code {"format":"pt"}} metadata, as PEFT's {@code save_pretrained} does; the output is
     * byte-deterministic. A {@code sinklora.json} is written when the adapter has training info and removed when it has none.
     */
    public static void write(ModelDirectory dir, LoraAdapter adapter) throws IOException {
        Map<String, INDArray> byKey = new TreeMap<>();
        for (LoraModule m : adapter.modules().values()) {
            byKey.put(PeftKeys.loraA(m.module()), m.a());
            byKey.put(PeftKeys.loraB(m.module()), m.b());
        }
        adapter.extras().forEach((name, t) -> byKey.put(PeftKeys.extra(name), t));
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        byKey.forEach((key, t) -> entries.add(new SafetensorsWriter.Entry(key, DType.F32, t.shape(), () -> t)));
        try (OutputStream out = dir.create(PeftAdapterReader.WEIGHTS_FILE)) {
            SafetensorsWriter.write(out, entries, Map.of("format", "pt"));
        }
        writeText(dir, PeftAdapterConfig.FILE_NAME, PeftAdapterConfig.of(adapter).toJson());
        if (adapter.trainingInfo() != null) {
            writeText(dir, AdapterTrainingInfo.FILE_NAME, adapter.trainingInfo().toJson());
        } else {
            dir.deleteFile(AdapterTrainingInfo.FILE_NAME); // a stale one would misstate the RoPE factor
        }
    }

    private static void writeText(ModelDirectory dir, String name, String text) throws IOException {
        try (OutputStream out = dir.create(name)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }
}
