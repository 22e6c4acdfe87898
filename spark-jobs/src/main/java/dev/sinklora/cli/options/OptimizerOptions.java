package dev.sinklora.cli.options;

import dev.sinklora.train.config.OptimizerConfig;
import picocli.CommandLine.Option;

/** Picocli options of {@link OptimizerConfig}: AdamW's learning rate, warmup and weight decay. */
public final class OptimizerOptions {

    @Option(names = "--learning-rate", defaultValue = "2e-5", paramLabel = "LR",
            description = "peak learning rate of AdamW (betas 0.9, 0.999; gradients clipped to norm 1) (default: ${DEFAULT-VALUE})")
    double learningRate;

    @Option(names = "--warmup-steps", defaultValue = "20", paramLabel = "N",
            description = "linear warmup steps, then constant (default: ${DEFAULT-VALUE})")
    int warmupSteps;

    @Option(names = "--weight-decay", defaultValue = "0", paramLabel = "WD",
            description = "decoupled weight decay (default: ${DEFAULT-VALUE})")
    double weightDecay;

    public OptimizerConfig toConfig() {
        return new OptimizerConfig(learningRate, warmupSteps, weightDecay);
    }
}
