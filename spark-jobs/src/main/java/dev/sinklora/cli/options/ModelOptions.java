package dev.sinklora.cli.options;

import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.train.RecomputeMode;
import dev.sinklora.train.config.ModelConfig;
import picocli.CommandLine.Option;

/** Picocli options of {@link ModelConfig}: the base model and how its attention runs in training. */
public final class ModelOptions {

    @Option(names = "--base", required = true, paramLabel = "URI", description = "HF base model directory (file://, hdfs://, s3a://)")
    String base;

    @Option(names = "--attention", defaultValue = "sf", paramLabel = "MODE",
            description = "sf | s2 | s2-reassembled | full (default: ${DEFAULT-VALUE})")
    String attention;

    @Option(names = "--group-size", paramLabel = "G", description = "attention group (default: N/4)")
    Integer groupSize;

    @Option(names = "--sink-tokens", paramLabel = "S", description = "global sink tokens (default: 4 for sf, else 0)")
    Integer sinkTokens;

    @Option(names = "--rope-factor", paramLabel = "F",
            description = "linear RoPE interpolation factor (default: ceil(seq-len / max_position_embeddings) when longer)")
    Double ropeFactor;

    @Option(names = "--recompute", defaultValue = "layer", paramLabel = "MODE",
            description = "layer: keep each decoder layer's input and recompute one layer at a time in the backward"
                    + " pass (memory: one layer's activations); none: one graph keeping every activation"
                    + " (default: ${DEFAULT-VALUE}; both compute the same gradients, so a --resume may change it)")
    String recompute;

    public ModelConfig toConfig() {
        return new ModelConfig(base, AttentionMode.parse(attention), groupSize, sinkTokens, ropeFactor,
                RecomputeMode.parse(recompute));
    }
}
