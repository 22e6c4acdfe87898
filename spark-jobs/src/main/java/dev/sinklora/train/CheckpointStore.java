package dev.sinklora.train;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.io.ModelDirectory;
import dev.sinklora.model.io.safetensors.DType;
import dev.sinklora.model.io.safetensors.SafetensorsFile;
import dev.sinklora.model.io.safetensors.SafetensorsWriter;
import dev.sinklora.model.lora.LoraAdapter;
import dev.sinklora.model.lora.PeftAdapterIO;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The checkpoints of a run under {@code OUT/}: {@code step-000200/} and {@code final/}, each with
 * the PEFT adapter ({@code adapter_config.json}, {@code adapter_model.safetensors},
 * {@code sinklora.json}), {@code optimizer.safetensors} (the flat parameter and optimizer-state
 * vectors, for a bit-exact resume) and {@code trainer_state.json}. Each is written under a hidden
 * temporary name and renamed when complete, so a directory named {@code step-*} is always whole.
 */
public final class CheckpointStore {

    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    public static final String FINAL = "final";

    private final ModelDirectory out;

    public CheckpointStore(ModelDirectory out) {
        this.out = out;
    }

    public static String stepName(long step) {
        return String.format("step-%06d", step);
    }

    /** What a checkpoint holds. */
    public record Saved(TrainerState state, LoraAdapter adapter, INDArray params, INDArray optimizerState) {
    }

    public void save(String name, LoraAdapter adapter, INDArray params, INDArray optimizerState,
                     TrainerState state) throws IOException {
        ModelDirectory tmp = out.child("." + name + ".tmp");
        if (tmp.exists()) {
            tmp.deleteRecursively();
        }
        PeftAdapterIO.write(tmp, adapter);
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        entries.add(new SafetensorsWriter.Entry("params", DType.F32, new long[]{params.length()},
                () -> params.reshape(params.length())));
        if (optimizerState != null) {
            entries.add(new SafetensorsWriter.Entry("optimizer_state", DType.F32, new long[]{optimizerState.length()},
                    () -> optimizerState.reshape(optimizerState.length())));
        }
        try (OutputStream os = tmp.create(OPTIMIZER_FILE)) {
            SafetensorsWriter.write(os, entries, Map.of("format", "sinklora-trainer"));
        }
        try (OutputStream os = tmp.create(TrainerState.FILE_NAME)) {
            os.write(state.toJson().getBytes(StandardCharsets.UTF_8));
        }
        ModelDirectory target = out.child(name);
        if (target.exists()) {
            target.deleteRecursively();
        }
        tmp.renameTo(target);
    }

    /** The newest complete {@code step-*} checkpoint, if any. */
    public Optional<String> latestStep() throws IOException {
        return completeSteps().stream().max(String::compareTo);
    }

    /** The {@code step-*} checkpoints that were renamed into place whole, in step order. */
    private List<String> completeSteps() throws IOException {
        if (!out.exists()) {
            return List.of();
        }
        return out.listDirectories().stream()
                .filter(d -> d.matches("step-\\d{6,}"))
                .filter(d -> {
                    try {
                        return out.child(d).hasFile(TrainerState.FILE_NAME);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                })
                .sorted()
                .toList();
    }

    /**
     * Loads checkpoint {@code name}.
     *
     * @throws BadInputException if it is unreadable (damaged after it was written), naming the file and the previous
     *     complete checkpoint to resume from instead
     */
    public Saved load(String name) throws IOException {
        try {
            return read(name);
        } catch (BadInputException | java.io.FileNotFoundException e) { // not a transient read error: that is rethrown
            String previous = completeSteps().stream().filter(s -> s.compareTo(name) < 0).reduce((a, b) -> b)
                    .orElse(null);
            throw new BadInputException("checkpoint " + name + " is damaged: " + e.getMessage()
                    + (previous == null ? "; there is no earlier complete checkpoint"
                    : "; the previous complete checkpoint is " + out.child(previous).describe() + ": move "
                    + name + " aside and --resume again to continue from it"), e);
        }
    }

    private Saved read(String name) throws IOException {
        ModelDirectory dir = out.child(name);
        TrainerState state = TrainerState.parse(dir.readAll(TrainerState.FILE_NAME), dir.describe(TrainerState.FILE_NAME));
        LoraAdapter adapter = PeftAdapterIO.read(dir);
        try (SafetensorsFile opt = SafetensorsFile.open(dir.open(OPTIMIZER_FILE))) {
            INDArray params = opt.load("params");
            INDArray optimizer = opt.contains("optimizer_state") ? opt.load("optimizer_state") : null;
            return new Saved(state, adapter, params, optimizer);
        }
    }
}
