package dev.sinklora.train.config;

import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.train.RecomputeMode;

import static dev.sinklora.model.BadInputException.require;

/**
 * The model a run trains and how its attention runs (options {@code --base}, {@code --attention}, {@code --group-size},
 * {@code --sink-tokens}, {@code --rope-factor}, {@code --recompute}). Null means "derive it" (group size {@code N/4},
 * sinks 4 for sf, the RoPE factor from seq-len / max_position_embeddings); a checkpoint records the derived values
 * ({@link #resolved}). {@code recompute} is how the model runs, not a hyperparameter: both modes compute the same
 * gradients, so a resumed run may change it.
 */
public record ModelConfig(String base, AttentionMode attention, Integer groupSize, Integer sinkTokens,
                          Double ropeFactor, RecomputeMode recompute) {

    public ModelConfig {
        require(base != null && !base.isBlank(), "--base is required");
        require(attention != null, "--attention is required");
        require(groupSize == null || groupSize > 0, "--group-size must be > 0, got " + groupSize);
        require(sinkTokens == null || sinkTokens >= 0, "--sink-tokens must be >= 0, got " + sinkTokens);
        require(ropeFactor == null || (ropeFactor > 0 && Double.isFinite(ropeFactor)),
                "--rope-factor must be > 0, got " + ropeFactor);
        require(recompute != null, "--recompute is required");
        if (attention == AttentionMode.FULL) {
            require(groupSize == null && sinkTokens == null, "--group-size and --sink-tokens do not apply to --attention full");
        }
    }

    /** The attention pattern at training length {@code seqLen}, defaults filled in. */
    public AttentionPattern pattern(int seqLen) {
        return AttentionPattern.of(attention, seqLen, groupSize, sinkTokens);
    }

    /** This config as the run uses it: the base's resolved URI, the pattern's group and sinks, the RoPE factor. */
    public ModelConfig resolved(String baseUri, AttentionPattern p, double rope) {
        boolean full = p.mode() == AttentionMode.FULL;
        return new ModelConfig(baseUri, p.mode(), full ? null : p.groupSize(), full ? null : p.sinkTokens(), rope,
                recompute);
    }

    public ModelConfig withBase(String b) {
        return new ModelConfig(b, attention, groupSize, sinkTokens, ropeFactor, recompute);
    }

    public ModelConfig withRecompute(RecomputeMode r) {
        return new ModelConfig(base, attention, groupSize, sinkTokens, ropeFactor, r);
    }
}
