package dev.sinklora.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.cli.options.DataOptions;
import dev.sinklora.cli.options.LoraOptions;
import dev.sinklora.cli.options.ModelOptions;
import dev.sinklora.cli.options.OptimizerOptions;
import dev.sinklora.cli.options.RunOptions;
import dev.sinklora.spark.SparkSessions;
import dev.sinklora.train.TrainJob;
import dev.sinklora.train.config.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code sinklora train}: distributed LoRA fine-tuning with SF-Attn by parameter averaging. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tune a LoRA adapter with SF-Attn (SinkLoRA) on Spark by parameter averaging.",
                "Frozen base weights are loaded once per executor from --base; only the trainable tensors travel.",
                "Writes OUT/step-NNNNNN/ and OUT/final/ (PEFT adapter, optimizer state, trainer_state.json),",
                "OUT/metrics.jsonl and OUT/loss.png; prints one JSON summary as the last stdout line.",
                "--resume continues from the newest complete checkpoint in --out, in the same data order. Each"
                        + " checkpoint's trainer_state.json records the run config; every option must match it"
                        + " except --max-steps or --epochs (to extend a run), --save-every and --recompute."})
public final class TrainCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Mixin
    DataOptions data;

    @Mixin
    LoraOptions lora;

    @Mixin
    OptimizerOptions optimizer;

    @Mixin
    RunOptions run;

    /** The run's config from the command line, validated. */
    TrainConfig config() {
        return new TrainConfig(model.toConfig(), lora.toConfig(), optimizer.toConfig(), data.toConfig(), run.toConfig());
    }

    @Override
    public Integer call() throws Exception {
        TrainConfig o = config();
        TrainJob.Result r;
        try (SparkSessions session = SparkSessions.forCommand("train", BuildInfo.nd4jBackend())) {
            r = TrainJob.run(session.get(), o);
        }
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.put("out", r.out());
        json.put("steps", r.steps());
        json.put("rounds", r.rounds());
        json.put("first_loss", r.firstLoss());
        json.put("last_loss", r.lastLoss());
        json.put("tokens_seen", r.tokensSeen());
        json.put("seconds", r.seconds());
        json.put("broadcast_bytes_per_round", r.broadcastBytesPerRound());
        json.put("workers", r.workers());
        json.put("seq_len", r.seqLen());
        json.put("rope_factor", r.ropeFactor());
        json.put("attention", r.pattern().toString());
        System.out.println(json);
        return 0;
    }
}
