package dev.sinklora.train.config;

import static dev.sinklora.model.BadInputException.require;

/**
 * The optimizer and its schedule (options {@code --learning-rate}, {@code --warmup-steps}, {@code --weight-decay}):
 * AdamW with betas {@link #BETA1}/{@link #BETA2} and epsilon {@link #EPSILON}, the learning rate rising linearly over
 * the warmup steps and constant after, gradients clipped to a global L2 norm of {@link #CLIP_NORM}. The fixed parts
 * are constants, not options.
 */
public record OptimizerConfig(double learningRate, int warmupSteps, double weightDecay) {

    public static final double BETA1 = 0.9;
    public static final double BETA2 = 0.999;
    public static final double EPSILON = 1e-8;
    public static final double CLIP_NORM = 1.0;

    public OptimizerConfig {
        require(learningRate > 0 && Double.isFinite(learningRate), "--learning-rate must be > 0, got " + learningRate);
        require(warmupSteps >= 0, "--warmup-steps must be >= 0, got " + warmupSteps);
        require(weightDecay >= 0 && Double.isFinite(weightDecay), "--weight-decay must be >= 0, got " + weightDecay);
    }

    /** Learning rate of (0-based) optimizer step {@code i}: linear warmup over the first steps, then constant. */
    public double learningRateAt(int i) {
        return warmupSteps == 0 ? learningRate : learningRate * Math.min(1.0, (i + 1.0) / warmupSteps);
    }
}
