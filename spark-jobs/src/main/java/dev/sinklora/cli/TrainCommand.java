package dev.sinklora.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.spark.SparkSessions;
import dev.sinklora.train.RecomputeMode;
import dev.sinklora.train.TrainJob;
import dev.sinklora.train.TrainOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code sinklora train}: distributed LoRA fine-tuning with SF-Attn by parameter averaging. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tune a LoRA adapter with SF-Attn (SinkLoRA) on Spark by parameter averaging.",
                "Frozen base weights are loaded once per executor from --base; only the trainable tensors travel.",
                "Writes OUT/step-NNNNNN/ and OUT/final/ (PEFT adapter, optimizer state, trainer_state.json),",
                "OUT/metrics.jsonl and OUT/loss.png; prints one JSON summary as the last stdout line."})
public final class TrainCommand implements Callable<Integer> {

    @Option(names = "--base", required = true, paramLabel = "URI", description = "HF base model directory (file://, hdfs://, s3a://)")
    String base;

    @Option(names = "--data", required = true, paramLabel = "URI", description = "output of prep-corpus or prep-sft")
    String data;

    @Option(names = "--out", required = true, paramLabel = "URI", description = "run directory for checkpoints and metrics")
    String out;

    @Option(names = "--attention", defaultValue = "sf", paramLabel = "MODE",
            description = "sf | s2 | s2-reassembled | full (default: ${DEFAULT-VALUE})")
    String attention;

    @Option(names = "--seq-len", paramLabel = "N", description = "training length (default: the data's seq_len / max_len)")
    Integer seqLen;

    @Option(names = "--group-size", paramLabel = "G", description = "attention group (default: N/4)")
    Integer groupSize;

    @Option(names = "--sink-tokens", paramLabel = "S", description = "global sink tokens (default: 4 for sf, else 0)")
    Integer sinkTokens;

    @Option(names = "--rope-factor", paramLabel = "F",
            description = "linear RoPE interpolation factor (default: ceil(seq-len / max_position_embeddings) when longer)")
    Double ropeFactor;

    @Option(names = "--lora-r", defaultValue = "8", description = "LoRA rank (default: ${DEFAULT-VALUE})")
    int loraR;

    @Option(names = "--lora-alpha", defaultValue = "16", description = "LoRA alpha; scaling = alpha / r (default: ${DEFAULT-VALUE})")
    double loraAlpha;

    @Option(names = "--lora-dropout", defaultValue = "0", description = "LoRA dropout (default: ${DEFAULT-VALUE}; only 0 is supported)")
    double loraDropout;

    @Option(names = "--lora-targets", defaultValue = "q_proj,k_proj,v_proj,o_proj",
            description = "adapted projections (default: ${DEFAULT-VALUE})")
    String loraTargets;

    @Option(names = "--trainable", defaultValue = "", paramLabel = "LIST",
            description = "base tensors trained in full (LoRA+): embed, norm, or embed,norm (default: none)")
    String trainable;

    @Option(names = "--learning-rate", defaultValue = "2e-5", description = "peak learning rate (default: ${DEFAULT-VALUE})")
    double learningRate;

    @Option(names = "--warmup-steps", defaultValue = "20", description = "linear warmup steps (default: ${DEFAULT-VALUE})")
    int warmupSteps;

    @Option(names = "--weight-decay", defaultValue = "0", description = "decoupled weight decay (default: ${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--max-steps", paramLabel = "N", description = "optimizer steps per worker (rounded up to whole rounds)")
    Integer maxSteps;

    @Option(names = "--epochs", paramLabel = "E", description = "passes over the data (default: 1 when --max-steps is not given)")
    Integer epochs;

    @Option(names = "--batch-size", defaultValue = "1", description = "sequences per step per worker (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--averaging-frequency", defaultValue = "5",
            description = "local steps between parameter averages (default: ${DEFAULT-VALUE})")
    int averagingFrequency;

    @Option(names = "--workers", paramLabel = "W", description = "data-parallel workers (default: Spark's default parallelism)")
    Integer workers;

    @Option(names = "--save-every", defaultValue = "200", description = "checkpoint every N steps (default: ${DEFAULT-VALUE})")
    int saveEvery;

    @Option(names = "--resume", description = "continue from the newest complete checkpoint in --out, same data order")
    boolean resume;

    @Option(names = "--overwrite", description = "replace an existing --out")
    boolean overwrite;

    @Option(names = "--seed", defaultValue = "0", description = "seed for LoRA init and data order (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--recompute", defaultValue = "layer", paramLabel = "MODE",
            description = "layer: keep each decoder layer's input and recompute one layer at a time in the backward"
                    + " pass (memory: one layer's activations); none: one graph keeping every activation"
                    + " (default: ${DEFAULT-VALUE})")
    String recompute;

    @Override
    public Integer call() throws Exception {
        LoraConfig lora = new LoraConfig(loraR, loraAlpha, loraDropout, LoraConfig.parseTargets(loraTargets),
                LoraConfig.parseTrainable(trainable));
        TrainOptions o = new TrainOptions(base, data, out, AttentionMode.parse(attention), seqLen, groupSize,
                sinkTokens, ropeFactor, lora, learningRate, warmupSteps, weightDecay, maxSteps, epochs, batchSize,
                averagingFrequency, workers, saveEvery, resume, overwrite, seed, RecomputeMode.parse(recompute));
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
