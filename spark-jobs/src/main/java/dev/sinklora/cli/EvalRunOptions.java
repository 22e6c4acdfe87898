package dev.sinklora.cli;

import dev.sinklora.eval.AttentionSpec;
import dev.sinklora.model.BadInputException;
import picocli.CommandLine.Option;

/** The options eval-ppl and passkey share: how the model runs (attention pattern, RoPE factor). */
public final class EvalRunOptions {

    @Option(names = "--attention", defaultValue = "full", paramLabel = "MODE",
            description = "full | s2 | s2-reassembled | sf (default: ${DEFAULT-VALUE}, as LongLoRA and SinkLoRA evaluate)")
    String attention;

    @Option(names = "--group-size", paramLabel = "G",
            description = "attention group for s2/s2-reassembled/sf (default: a quarter of each forward pass)")
    Integer groupSize;

    @Option(names = "--sink-tokens", paramLabel = "S", description = "global sink tokens (default: 4 for sf, 0 otherwise)")
    Integer sinkTokens;

    @Option(names = "--rope-factor", paramLabel = "F", description = {"linear RoPE factor to run with (default: the "
            + "adapter's sinklora.json, else the model's config.json rope_scaling, else 1); the JSON says which"})
    Double ropeFactor;

    /** The validated attention settings; errors name --attention. */
    AttentionSpec attentionSpec() {
        try {
            return new AttentionSpec(attention, groupSize, sinkTokens);
        } catch (BadInputException e) {
            throw new BadInputException("--attention: " + e.getMessage(), e);
        }
    }
}
