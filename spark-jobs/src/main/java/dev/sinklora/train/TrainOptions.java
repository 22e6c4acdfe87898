package dev.sinklora.train;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.lora.TrainableExtra;

import java.util.List;
import java.util.Set;

/**
 * Everything {@code sinklora train} takes, validated at construction. Null means "derive it":
 * seq-len from the data's manifest, group size {@code N/4}, sinks 4 for sf, the RoPE factor from
 * seq-len / max_position_embeddings, workers from Spark's default parallelism. {@code recompute}: how the
 * model runs (not a hyperparameter: both modes compute the same gradients).
 */
public record TrainOptions(
        String base,
        String data,
        String out,
        AttentionMode attention,
        Integer seqLen,
        Integer groupSize,
        Integer sinkTokens,
        Double ropeFactor,
        LoraConfig lora,
        double learningRate,
        int warmupSteps,
        double weightDecay,
        Integer maxSteps,
        Integer epochs,
        int batchSize,
        int averagingFrequency,
        Integer workers,
        int saveEvery,
        boolean resume,
        boolean overwrite,
        long seed,
        RecomputeMode recompute) {

    /** With {@code --recompute layer}, the default. */
    public TrainOptions(String base, String data, String out, AttentionMode attention, Integer seqLen, Integer groupSize,
                        Integer sinkTokens, Double ropeFactor, LoraConfig lora, double learningRate, int warmupSteps,
                        double weightDecay, Integer maxSteps, Integer epochs, int batchSize, int averagingFrequency,
                        Integer workers, int saveEvery, boolean resume, boolean overwrite, long seed) {
        this(base, data, out, attention, seqLen, groupSize, sinkTokens, ropeFactor, lora, learningRate, warmupSteps,
                weightDecay, maxSteps, epochs, batchSize, averagingFrequency, workers, saveEvery, resume, overwrite, seed,
                RecomputeMode.LAYER);
    }

    public TrainOptions {
        require(base != null && !base.isBlank(), "--base is required");
        require(data != null && !data.isBlank(), "--data is required");
        require(out != null && !out.isBlank(), "--out is required");
        require(seqLen == null || seqLen >= 2, "--seq-len must be >= 2, got " + seqLen);
        require(groupSize == null || groupSize > 0, "--group-size must be > 0, got " + groupSize);
        require(sinkTokens == null || sinkTokens >= 0, "--sink-tokens must be >= 0, got " + sinkTokens);
        require(ropeFactor == null || ropeFactor > 0, "--rope-factor must be > 0, got " + ropeFactor);
        require(learningRate > 0 && Double.isFinite(learningRate), "--learning-rate must be > 0, got " + learningRate);
        require(warmupSteps >= 0, "--warmup-steps must be >= 0, got " + warmupSteps);
        require(weightDecay >= 0, "--weight-decay must be >= 0, got " + weightDecay);
        require(maxSteps == null || maxSteps > 0, "--max-steps must be > 0, got " + maxSteps);
        require(epochs == null || epochs > 0, "--epochs must be > 0, got " + epochs);
        require(maxSteps == null || epochs == null, "give --max-steps or --epochs, not both");
        require(batchSize > 0, "--batch-size must be > 0, got " + batchSize);
        require(averagingFrequency > 0, "--averaging-frequency must be > 0, got " + averagingFrequency);
        require(workers == null || workers > 0, "--workers must be > 0, got " + workers);
        require(saveEvery > 0, "--save-every must be > 0, got " + saveEvery);
        require(!(resume && overwrite), "--resume and --overwrite contradict each other");
        require(recompute != null, "--recompute is required");
        require(lora.dropout() == 0.0, "--lora-dropout " + lora.dropout()
                + " is not supported yet: SameDiff layers in DL4J have no train/inference switch for dropout");
        if (attention == AttentionMode.FULL) {
            require(groupSize == null && sinkTokens == null,
                    "--group-size and --sink-tokens do not apply to --attention full");
        }
    }

    /** Trainable extras as CLI names (for the layer configuration). */
    public List<String> trainableNames() {
        return lora.trainable().stream().map(TrainableExtra::cliName).sorted().toList();
    }

    public Set<TrainableExtra> trainable() {
        return lora.trainable();
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new BadInputException(message);
        }
    }
}
