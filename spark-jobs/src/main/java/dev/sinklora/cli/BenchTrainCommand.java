package dev.sinklora.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.io.HadoopModelDirectory;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.train.FrozenBaseCache;
import dev.sinklora.train.bench.SgemmBenchmark;
import dev.sinklora.train.bench.TrainStepBenchmark;
import dev.sinklora.train.bench.TrainStepFlops;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code sinklora bench-train}: training tokens/s and MFU of LoRA training steps through the real
 * training path, per sequence length and attention mode, against ND4J's sgemm throughput measured
 * in the same JVM first. Prints a table and one JSON object as the last stdout line.
 */
@Command(name = "bench-train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmark LoRA training steps (the train command's network: SinkLoraLayer, Adam, clipping):",
                "tokens/s and MFU = model FLOPs / step time / ND4J sgemm FLOP/s measured in the same run.",
                "Model FLOPs: matmuls only, forward + the gradients a LoRA step needs (no weight gradients of",
                "frozen weights); attention over the blocks actually computed (full: all N*N, masked half included).",
                "Prints a table and one JSON object as the last line."})
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

    @Option(names = "--lora-r", defaultValue = "8", description = "LoRA rank (default: ${DEFAULT-VALUE})")
    int loraR;

    @Option(names = "--lora-targets", defaultValue = "q_proj,k_proj,v_proj,o_proj",
            description = "adapted projections (default: ${DEFAULT-VALUE})")
    String loraTargets;

    @Option(names = "--trainable", defaultValue = "", paramLabel = "LIST",
            description = "base tensors trained in full: norm (default: none)")
    String trainable;

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
        LoraConfig lora = new LoraConfig(loraR, 2.0 * loraR, 0.0, LoraConfig.parseTargets(loraTargets),
                LoraConfig.parseTrainable(trainable));
        List<AttentionMode> parsedModes = modes.stream().map(AttentionMode::parse).toList();
        String baseUri = HadoopModelDirectory.of(base, new Configuration()).describe();
        LlamaConfig c = FrozenBaseCache.get(baseUri).config();
        int maxN = java.util.Arrays.stream(lengths).max().orElseThrow();
        System.out.printf("bench-train: base %s (%d layers, hidden %d, %d heads x %d, intermediate %d, vocab %d,"
                        + " max_position_embeddings %d); LoRA r=%d on %s%s; batch 1; %d warm-up + %d timed steps%n",
                baseUri, c.numHiddenLayers(), c.hiddenSize(), c.numAttentionHeads(), c.headDim(),
                c.intermediateSize(), c.vocabSize(), c.maxPositionEmbeddings(), lora.r(),
                String.join(",", lora.targets()), trainable.isBlank() ? "" : " + " + trainable, warmup, steps);
        System.out.println("FLOPs: " + FLOP_CONVENTION);

        List<SgemmBenchmark> sgemm = new ArrayList<>();
        sgemm.add(SgemmBenchmark.run("square", sgemmSize, sgemmSize, sgemmSize, 2, sgemmRepeats, seed));
        sgemm.add(SgemmBenchmark.run("mlp", maxN, c.intermediateSize(), c.hiddenSize(), 2, sgemmRepeats, seed));
        sgemm.add(SgemmBenchmark.run("scores", maxN, maxN, c.headDim(), 1, sgemmRepeats, seed));
        for (SgemmBenchmark g : sgemm) {
            System.out.printf("sgemm FP32 %-7s %-22s %9.2f ms %8.1f GFLOP/s%s%n", g.label(), g.shape(),
                    g.medianMillis(), g.gflops(), g == sgemm.get(0) ? "   <- MFU denominator" : "");
        }
        double peak = sgemm.get(0).gflops();

        JavaSparkContext sc = null;
        if (sparkRounds > 0) {
            SparkSession spark = SparkSession.builder().appName("sinklora-bench-train").getOrCreate();
            sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        }
        long budget = (long) (memoryBudgetGib * GIB);
        TrainStepBenchmark.Settings settings = new TrainStepBenchmark.Settings(baseUri, lora, warmup, steps,
                sparkRounds, averagingFrequency, budget, seed);

        ObjectMapper json = new ObjectMapper();
        ArrayNode rows = json.createArrayNode();
        ArrayNode ratios = json.createArrayNode();
        System.out.printf("%n%-6s %-18s %10s %10s %12s %12s %8s %10s%n", "N", "pattern", "step ms", "tokens/s",
                "GFLOP/step", "GFLOP/s", "MFU", "peak RSS");
        for (int n : lengths) {
            List<TrainStepBenchmark.Outcome> atN = new ArrayList<>();
            for (AttentionMode mode : parsedModes) {
                JavaSparkContext context = sc;
                TrainStepBenchmark.Outcome o = quietly(() -> TrainStepBenchmark.run(settings, mode, n, context));
                atN.add(o);
                printRow(o, peak, budget);
                rows.add(BenchTrainReport.row(json, o, peak));
            }
            TrainStepBenchmark.Outcome sf = find(atN, AttentionMode.SF);
            TrainStepBenchmark.Outcome full = find(atN, AttentionMode.FULL);
            if (sf != null && full != null && sf.local() != null && full.local() != null) {
                double r = full.local().medianMillis() / sf.local().medianMillis();
                System.out.printf("%-6d sf/full tokens/s %.2fx (local steps)%n", n, r);
                ObjectNode ratio = ratios.addObject();
                ratio.put("n", n);
                ratio.put("sf_over_full_tokens_per_s", r);
                if (sf.spark() != null && full.spark() != null) {
                    double rs = full.spark().medianRoundMillis() / sf.spark().medianRoundMillis();
                    System.out.printf("%-6d sf/full tokens/s %.2fx (averaging rounds)%n", n, rs);
                    ratio.put("sf_over_full_tokens_per_s_spark", rs);
                }
            }
            System.out.flush();
        }
        ObjectNode out = BenchTrainReport.header(json, c, lora, baseUri, sgemm, warmup, steps);
        out.put("flop_convention", FLOP_CONVENTION);
        out.set("results", rows);
        out.set("ratios", ratios);
        System.out.println(out);
        return 0;
    }

    /** The counting convention, printed and put in the JSON (details: {@link TrainStepFlops}). */
    static final String FLOP_CONVENTION = "matmuls only (2mnk); forward + the operand gradients a LoRA step needs"
            + " (input grads where the input depends on a trainable tensor; weight grads only for LoRA A/B, none"
            + " for frozen weights); attention = QK^T and PV over the blocks actually"
            + " computed, masked entries included (full: N*N, sf: blocks*G*(S+G) per head); norms, RoPE, softmax,"
            + " SwiGLU and loss not counted";

    private static final double GIB = 1024.0 * 1024 * 1024;

    /**
     * Runs {@code body} with System.out muted: SameDiff 1.0.0-M2.1 prints one "Added differentiated op"
     * line per op whenever a network builds its gradient function (see {@code SameDiffs}), which would
     * bury the table. Nothing of ours prints while a case runs.
     */
    private static <T> T quietly(java.util.function.Supplier<T> body) {
        java.io.PrintStream out = System.out;
        System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        try {
            return body.get();
        } finally {
            System.setOut(out);
        }
    }

    private static void printRow(TrainStepBenchmark.Outcome o, double peakGflops, long budget) {
        if (o.local() == null) {
            System.out.printf("%-6d %-18s %s%n", o.n(), o.pattern(), o.error());
            return;
        }
        double ms = o.local().medianMillis();
        double gflop = o.flops().model() / 1e9;
        long rss = o.local().peakRssBytes();
        System.out.printf("%-6d %-18s %10.1f %10.1f %12.3f %12.2f %7.2f%% %8.2fGiB%s%n", o.n(), o.pattern(), ms,
                o.n() / (ms / 1e3), gflop, gflop / (ms / 1e3), 100 * gflop / (ms / 1e3) / peakGflops,
                rss / GIB, rss > budget ? "  (over the memory budget)" : "");
        TrainStepBenchmark.Spark s = o.spark();
        if (s != null && s.skipped() != null) {
            System.out.printf("%-6s   spark rounds skipped: %s%n", "", s.skipped());
        } else if (s != null) {
            double secs = s.medianRoundMillis() / 1e3;
            System.out.printf("%-6s   spark: %d workers x %d steps per round: %.1f ms/round, %.1f tokens/s,"
                            + " %.2f%% MFU, peak RSS %.2fGiB%n", "", s.workers(), s.averagingFrequency(),
                    s.medianRoundMillis(), s.tokensPerRound(o.n()) / secs,
                    100 * gflop * s.workers() * s.averagingFrequency() / secs / peakGflops, s.peakRssBytes() / GIB);
        }
        if (o.error() != null) {
            System.out.printf("%-6s   %s%n", "", o.error());
        }
    }

    private static TrainStepBenchmark.Outcome find(List<TrainStepBenchmark.Outcome> os, AttentionMode mode) {
        return os.stream().filter(o -> o.pattern().mode() == mode).findFirst().orElse(null);
    }

    void validate() {
        require(lengths.length > 0, "--lengths needs at least one length");
        for (int n : lengths) {
            require(n >= 2, "--lengths: each length must be >= 2, got " + n);
        }
        require(!modes.isEmpty(), "--modes needs at least one mode");
        modes.forEach(AttentionMode::parse);
        require(steps >= 1, "--steps must be >= 1, got " + steps);
        require(warmup >= 0, "--warmup must be >= 0, got " + warmup);
        require(sparkRounds >= 0, "--spark-rounds must be >= 0, got " + sparkRounds);
        require(averagingFrequency >= 1, "--averaging-frequency must be >= 1, got " + averagingFrequency);
        require(sgemmSize >= 1, "--sgemm-size must be >= 1, got " + sgemmSize);
        require(sgemmRepeats >= 1, "--sgemm-repeats must be >= 1, got " + sgemmRepeats);
        require(memoryBudgetGib > 0, "--memory-budget must be > 0, got " + memoryBudgetGib);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new BadInputException(message);
        }
    }
}
