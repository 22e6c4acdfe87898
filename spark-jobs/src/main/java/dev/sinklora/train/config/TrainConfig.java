package dev.sinklora.train.config;

import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.lora.TrainableExtra;

import java.util.List;
import java.util.Set;

import static dev.sinklora.model.BadInputException.require;

/**
 * Everything a training run takes, in the groups litgpt-style configs have: the model and its attention, the LoRA
 * adapter ({@link LoraConfig}, the adapter's own record), the optimizer and schedule, the data, and how the run is
 * driven. Each group validates itself at construction; {@code train}, {@code bench-train}, {@code demo} and
 * {@code ablation} build theirs from the same picocli mixins ({@code dev.sinklora.cli.options}). Every checkpoint
 * records the run's {@link #resolved} config ({@link TrainConfigJson}), and {@code --resume} compares it field by
 * field ({@link ResumeCheck}).
 */
public record TrainConfig(ModelConfig model, LoraConfig lora, OptimizerConfig optimizer, DataConfig data,
                          RunConfig run) {

    public TrainConfig {
        require(model != null && lora != null && optimizer != null && data != null && run != null,
                "a train config needs all five groups (model, lora, optimizer, data, run)");
        // LoraConfig carries PEFT's lora_dropout for adapters read from elsewhere; training applies none
        require(lora.dropout() == 0.0, "LoRA dropout " + lora.dropout() + ": training applies no dropout");
    }

    public Set<TrainableExtra> trainable() {
        return lora.trainable();
    }

    /** Trainable extras as CLI names, sorted (for the layer configuration). */
    public List<String> trainableNames() {
        return lora.trainable().stream().map(TrainableExtra::cliName).sorted().toList();
    }

    public TrainConfig withModel(ModelConfig m) {
        return new TrainConfig(m, lora, optimizer, data, run);
    }

    public TrainConfig withLora(LoraConfig l) {
        return new TrainConfig(model, l, optimizer, data, run);
    }

    public TrainConfig withOptimizer(OptimizerConfig o) {
        return new TrainConfig(model, lora, o, data, run);
    }

    public TrainConfig withData(DataConfig d) {
        return new TrainConfig(model, lora, optimizer, d, run);
    }

    public TrainConfig withRun(RunConfig r) {
        return new TrainConfig(model, lora, optimizer, data, r);
    }
}
