package dev.sinklora.cli;

import dev.sinklora.eval.AttentionSpec;
import dev.sinklora.eval.EvalModelSpec;
import dev.sinklora.model.BadInputException;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Option;

import java.io.IOException;

/** The options eval-ppl and passkey share: which model (and adapter) runs, and how (attention, RoPE factor). */
public final class EvalRunOptions {

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "HF model directory (base or merged; file://, hdfs://, s3a://)")
    String model;

    @Option(names = "--adapter", paramLabel = "DIR", description = {"PEFT LoRA adapter directory, applied unmerged",
            "(its sinklora.json RoPE factor, if any, overrides the model's)"})
    String adapter;

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

    /** The model to evaluate, with the adapter and RoPE factor given (checked by {@link EvalModelSpec}). */
    EvalModelSpec modelSpec(Configuration conf) throws IOException {
        return EvalModelSpec.of(model, adapter, ropeFactor, conf);
    }

    /** The validated attention settings; errors name --attention. */
    AttentionSpec attentionSpec() {
        try {
            return new AttentionSpec(attention, groupSize, sinkTokens);
        } catch (BadInputException e) {
            throw new BadInputException("--attention: " + e.getMessage(), e);
        }
    }
}
