package dev.sinklora.bench;

import static dev.sinklora.model.BadInputException.require;

import dev.sinklora.cli.BuildInfo;
import dev.sinklora.cli.options.LoraOptions;
import dev.sinklora.cli.options.OptimizerOptions;
import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.spark.FrozenBaseCache;
import dev.sinklora.spark.HadoopModelDirectory;
import dev.sinklora.spark.SparkSessions;
import dev.sinklora.train.RecomputeMode;
import dev.sinklora.train.TrainJob;
import dev.sinklora.train.config.OptimizerConfig;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code sinklora bench-train}: training tokens/s and MFU of LoRA training steps through the real
 * training path, per sequence length and attention mode, against ND4J's sgemm throughput measured
 * in the same JVM first. Prints a table and one JSON object as the last stdout line.
 */
@Command(name = "bench-train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmark LoRA training steps through the train command's network (SinkLoraLayer, Adam, clipping).",
                "tokens/s and MFU = model FLOPs / step time / ND4J sgemm FLOP/s measured in the same run.",
                "Model FLOPs: matmuls only; forward + the gradients a LoRA step needs (no weight gradients for frozen weights).",
                "Attention over the blocks actually computed (full: all N*N, the masked half included).",
                "Prints tables and one JSON object as the last line."})
public final class BenchTrainCommand implements Callable<Integer> {

    @Option(names = "--base", defaultValue = "model/src/test/resources/tiny-llama/base", paramLabel = "DIR",
            description = "HF base model directory (default: the tiny test fixture, ${DEFAULT-VALUE})")
    String base;

    @Option(names = "--lengths", split = ",", defaultValue = "1024,4096", paramLabel = "N",
            description = "sequence lengths; RoPE factor ceil(N / max_position_embeddings) (default: ${DEFAULT-VALUE})")
    int[] lengths;

    @Option(names = "--modes", split = ",", defaultValue = "sf,full", paramLabel = "MODE",
            description = "attention modes (default: ${DEFAULT-VALUE})")
    List<String> modes;

    @Option(names = "--recompute", split = ",", defaultValue = "layer", paramLabel = "MODE",
            description = "how the layer runs, one case each: layer (recompute one decoder layer at a time), none"
                    + " (one graph keeping every activation); layer,none also prints their step-time ratio"
                    + " (default: ${DEFAULT-VALUE})")
    List<String> recompute;

    @Option(names = "--steps", defaultValue = "3", description = "timed local steps per case (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--warmup", defaultValue = "2", description = "untimed local steps first (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--spark-rounds", defaultValue = "1",
            description = "timed parameter-averaging rounds per case on Spark after one warm-up round; 0: none (default: ${DEFAULT-VALUE})")
    int sparkRounds;

    @Option(names = "--averaging-frequency", defaultValue = "2",
            description = "local steps per worker per averaging round (default: ${DEFAULT-VALUE})")
    int averagingFrequency;

    @Option(names = "--memory-budget", defaultValue = "8", paramLabel = "GIB",
            description = "skip a case's averaging rounds when its workers would need more resident memory (GiB;"
                    + " default: ${DEFAULT-VALUE}); steps over it are flagged")
    double memoryBudgetGib;

    /** The adapter trained, as train takes it. */
    @Mixin
    LoraOptions loraOptions;

    /** The optimizer of the timed steps, as train takes it. */
    @Mixin
    OptimizerOptions optimizerOptions;

    @Option(names = "--sgemm-size", defaultValue = "1024",
            description = "square sgemm size for the MFU denominator (default: ${DEFAULT-VALUE})")
    int sgemmSize;

    @Option(names = "--sgemm-repeats", defaultValue = "5", description = "timed sgemm runs (default: ${DEFAULT-VALUE})")
    int sgemmRepeats;

    @Option(names = "--seed", defaultValue = "0", description = "seed for tokens and LoRA init (default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
        validate();
        LoraConfig lora = loraOptions.toConfig();
        OptimizerConfig optimizer = optimizerOptions.toConfig();
        List<AttentionMode> parsedModes = modes.stream().map(AttentionMode::parse).toList();
        List<RecomputeMode> recomputeModes = recompute.stream().map(RecomputeMode::parse).toList();
        String baseUri = HadoopModelDirectory.of(base, new Configuration()).describe();
        LlamaConfig c = FrozenBaseCache.get(baseUri).config();
        TrainJob.checkTrainable(c, lora, baseUri);
        String loadBefore = BenchTrainReport.loadAverage();
        long budget = (long) (memoryBudgetGib * BenchTrainReport.GIB);
        TrainStepBenchmark.Settings settings = new TrainStepBenchmark.Settings(baseUri, lora, optimizer, warmup, steps,
                sparkRounds, averagingFrequency, budget, seed);
        BenchTrainReport report = new BenchTrainReport(c, lora, baseUri, settings);
        report.printHeader(loadBefore);

        int maxN = Arrays.stream(lengths).max().orElseThrow();
        List<SgemmBenchmark> sgemm = List.of(
                SgemmBenchmark.run("square", sgemmSize, sgemmSize, sgemmSize, 2, sgemmRepeats, seed),
                SgemmBenchmark.run("mlp", maxN, c.intermediateSize(), c.hiddenSize(), 2, sgemmRepeats, seed),
                SgemmBenchmark.run("scores", maxN, maxN, c.headDim(), 1, sgemmRepeats, seed));
        report.printSgemm(sgemm);

        // The first networks of a JVM run SameDiff's Java side interpreted: warm the JIT up untimed.
        int warmN = Math.min(Arrays.stream(lengths).min().orElseThrow(), JIT_WARMUP_MAX_LENGTH);
        TrainStepBenchmark.Settings jit = new TrainStepBenchmark.Settings(baseUri, lora, optimizer, 1, 2, 0,
                averagingFrequency, budget, seed);
        long t0 = System.nanoTime();
        for (AttentionMode mode : parsedModes) {
            for (RecomputeMode r : recomputeModes) {
                TrainStepBenchmark.runLocal(jit, mode, warmN, r);
            }
        }
        System.out.printf("JIT warm-up: 3 untimed steps per case at N=%d (%.1f s)%n", warmN, (System.nanoTime() - t0) / 1e9);

        List<TrainStepBenchmark.Outcome> outcomes = new ArrayList<>();
        report.printLocalHeader();
        for (int n : lengths) {
            for (AttentionMode mode : parsedModes) {
                for (RecomputeMode r : recomputeModes) {
                    TrainStepBenchmark.Outcome o = TrainStepBenchmark.runLocal(settings, mode, n, r);
                    outcomes.add(o);
                    report.printLocal(o);
                }
            }
            report.printRatio(outcomes, n, false);
        }
        if (sparkRounds > 0) {
            try (SparkSessions session = SparkSessions.forCommand("bench-train", BuildInfo.nd4jBackend())) {
                JavaSparkContext sc = JavaSparkContext.fromSparkContext(session.get().sparkContext());
                report.printSparkHeader(sc.defaultParallelism());
                for (int i = 0; i < outcomes.size(); i++) {
                    TrainStepBenchmark.Outcome o = outcomes.get(i);
                    outcomes.set(i, TrainStepBenchmark.runSpark(settings, o, sc));
                    report.printSpark(outcomes.get(i));
                    if (i == outcomes.size() - 1 || outcomes.get(i + 1).n() != o.n()) {
                        report.printRatio(outcomes, o.n(), true);
                    }
                }
            }
        }
        System.out.println(report.json(sgemm, outcomes, loadBefore, BenchTrainReport.loadAverage()));
        return 0;
    }

    /** The JIT warm-up runs at the smallest length, capped here. */
    static final int JIT_WARMUP_MAX_LENGTH = 1024;

    void validate() {
        require(lengths.length > 0, "--lengths needs at least one length");
        for (int n : lengths) {
            require(n >= 2, "--lengths: each length must be >= 2, got " + n);
        }
        require(!modes.isEmpty(), "--modes needs at least one mode");
        modes.forEach(AttentionMode::parse);
        require(!recompute.isEmpty(), "--recompute needs at least one mode");
        recompute.forEach(RecomputeMode::parse);
        require(steps >= 1, "--steps must be >= 1, got " + steps);
        require(warmup >= 0, "--warmup must be >= 0, got " + warmup);
        require(sparkRounds >= 0, "--spark-rounds must be >= 0, got " + sparkRounds);
        require(averagingFrequency >= 1, "--averaging-frequency must be >= 1, got " + averagingFrequency);
        require(sgemmSize >= 1, "--sgemm-size must be >= 1, got " + sgemmSize);
        require(sgemmRepeats >= 1, "--sgemm-repeats must be >= 1, got " + sgemmRepeats);
        require(memoryBudgetGib > 0, "--memory-budget must be > 0, got " + memoryBudgetGib);
    }
}
