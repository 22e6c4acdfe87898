package dev.sinklora.ablation;

import static dev.sinklora.model.BadInputException.require;


import java.nio.file.Path;
import java.util.List;

/**
 * What {@code sinklora ablation} runs, validated at construction (messages name the CLI options).
 *
 * @param out            working directory (setup, one folder per run, ablation.json, ablation.png)
 * @param modes          training attentions, each fine-tuned from the same base
 * @param seeds          fine-tuning seeds (LoRA init and data order; shared by every mode within a seed)
 * @param steps          fine-tuning steps per run (per worker)
 * @param baseContext    context the base is pretrained at
 * @param factor         context extension factor (and linear RoPE factor)
 * @param documents      long-range documents (fine-tuning and evaluation; 10% held out for perplexity)
 * @param baseDocuments  short-range documents the base is pretrained on
 * @param baseSteps      base pretraining steps (batch 8)
 * @param passkeyTrials  passkey trials per model at the extended length
 * @param parallel       fine-tuning runs submitted to Spark at once
 * @param seed           seed of the task and the base (the shared setup)
 */
public record AblationOptions(Path out, List<AblationMode> modes, int seeds, int steps, int baseContext, int factor,
                              int documents, int baseDocuments, int baseSteps, int passkeyTrials, int parallel,
                              long seed) {

    public AblationOptions {
        modes = List.copyOf(modes);
        require(!modes.isEmpty(), "--modes: give at least one mode");
        require(modes.stream().distinct().count() == modes.size(), "--modes: a mode is listed twice: " + modes);
        require(seeds >= 1, "--seeds must be >= 1, got " + seeds);
        require(steps >= 1, "--steps must be >= 1, got " + steps);
        require(baseContext >= 64, "--base-context must be >= 64 (a short passkey document takes 62 tokens), got "
                + baseContext);
        require(factor >= 2, "--factor must be >= 2, got " + factor);
        require(documents >= 20, "--documents must be >= 20 (10% are held out), got " + documents);
        require(baseDocuments >= 20, "--base-documents must be >= 20, got " + baseDocuments);
        require(baseSteps >= 1, "--base-steps must be >= 1, got " + baseSteps);
        require(passkeyTrials >= 1, "--passkey-trials must be >= 1, got " + passkeyTrials);
        require(parallel >= 1, "--parallel must be >= 1, got " + parallel);
    }

    /** The extended context: base context x factor. */
    public int longContext() {
        return baseContext * factor;
    }
}
