package dev.sinklora.train.config;

import static dev.sinklora.model.BadInputException.require;

/**
 * How a run is driven and where it writes (options {@code --out}, {@code --max-steps}, {@code --epochs},
 * {@code --save-every}, {@code --averaging-frequency}, {@code --workers}, {@code --seed}, {@code --resume},
 * {@code --overwrite}). {@code maxSteps}/{@code epochs}: the run's length, at most one given (neither: one epoch).
 * {@code workers} null: Spark's default parallelism. {@code seed}: LoRA init and data order.
 */
public record RunConfig(String out, Integer maxSteps, Integer epochs, int saveEvery, int averagingFrequency,
                        Integer workers, long seed, boolean resume, boolean overwrite) {

    public RunConfig {
        require(out != null && !out.isBlank(), "--out is required");
        require(maxSteps == null || maxSteps > 0, "--max-steps must be > 0, got " + maxSteps);
        require(epochs == null || epochs > 0, "--epochs must be > 0, got " + epochs);
        require(maxSteps == null || epochs == null, "give --max-steps or --epochs, not both");
        require(saveEvery > 0, "--save-every must be > 0, got " + saveEvery);
        require(averagingFrequency > 0, "--averaging-frequency must be > 0, got " + averagingFrequency);
        require(workers == null || workers > 0, "--workers must be > 0, got " + workers);
        require(!(resume && overwrite), "--resume and --overwrite contradict each other");
    }

    /** As the run uses it: the output's resolved URI and the worker count it got. */
    public RunConfig resolved(String outUri, int w) {
        return new RunConfig(outUri, maxSteps, epochs, saveEvery, averagingFrequency, w, seed, resume, overwrite);
    }

    public RunConfig withOut(String o) {
        return new RunConfig(o, maxSteps, epochs, saveEvery, averagingFrequency, workers, seed, resume, overwrite);
    }

    public RunConfig withLength(Integer steps, Integer passes) {
        return new RunConfig(out, steps, passes, saveEvery, averagingFrequency, workers, seed, resume, overwrite);
    }

    public RunConfig withResume(boolean r) {
        return new RunConfig(out, maxSteps, epochs, saveEvery, averagingFrequency, workers, seed, r, overwrite);
    }
}
