package dev.sinklora.cli.options;

import dev.sinklora.train.config.RunConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Picocli options of {@link RunConfig}: where a training run writes, how long it runs and how it averages. */
public final class RunOptions {

    @Option(names = "--out", required = true, paramLabel = "URI", description = "run directory for checkpoints and metrics")
    String out;

    @Option(names = "--max-steps", paramLabel = "N", description = "optimizer steps per worker (rounded up to whole rounds)")
    Integer maxSteps;

    @Option(names = "--epochs", paramLabel = "E", description = "passes over the data (default: 1 when --max-steps is not given)")
    Integer epochs;

    @Option(names = "--averaging-frequency", defaultValue = "5", paramLabel = "F",
            description = "local steps between parameter averages (default: ${DEFAULT-VALUE})")
    int averagingFrequency;

    @Option(names = "--workers", paramLabel = "W", description = "data-parallel workers (default: Spark's default parallelism)")
    Integer workers;

    @Option(names = "--save-every", defaultValue = "200", paramLabel = "N",
            description = "checkpoint every N steps (default: ${DEFAULT-VALUE})")
    int saveEvery;

    @Option(names = "--seed", defaultValue = "0", description = "seed for LoRA init and data order (default: ${DEFAULT-VALUE})")
    long seed;

    @Mixin
    ResumeOptions resume;

    public RunConfig toConfig() {
        return new RunConfig(out, maxSteps, epochs, saveEvery, averagingFrequency, workers, seed, resume.resume(),
                resume.overwrite());
    }
}
