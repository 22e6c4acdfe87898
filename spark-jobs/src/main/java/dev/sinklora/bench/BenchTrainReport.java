package dev.sinklora.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.lora.TrainableExtra;
import dev.sinklora.train.RecomputeMode;
import dev.sinklora.train.config.TrainConfigJson;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code bench-train} prints: the header, the sgemm lines, the table of local steps, the table
 * of averaging rounds, the sf/full and recompute/none ratios, and the JSON object of the last line. Holds the run's
 * fixed facts and, once sgemm ran, the MFU denominator.
 */
final class BenchTrainReport {

    static final double GIB = 1024.0 * 1024 * 1024;

    /** The counting convention, printed and put in the JSON (details: {@link TrainStepFlops}). */
    static final String FLOP_CONVENTION = "matmuls only (2mnk); forward + the operand gradients a LoRA step needs"
            + " (input grads where the input depends on a trainable tensor; weight grads only for LoRA A/B, none"
            + " for frozen weights); attention = QK^T and PV over the blocks actually computed, masked entries"
            + " included (full: N*N, sf: blocks*G*(S+G) per head); norms, RoPE, softmax, SwiGLU and loss not counted";

    private final LlamaConfig c;
    private final LoraConfig lora;
    private final String base;
    private final TrainStepBenchmark.Settings settings;
    private double peakGflops = Double.NaN;

    BenchTrainReport(LlamaConfig c, LoraConfig lora, String base, TrainStepBenchmark.Settings settings) {
        this.c = c;
        this.lora = lora;
        this.base = base;
        this.settings = settings;
    }

    /** {@code /proc/loadavg}'s three averages (other work on the cores skews every timing), or "unknown". */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    void printHeader(String load) {
        System.out.printf("bench-train: base %s (%d layers, hidden %d, %d heads x %d, intermediate %d, vocab %d,"
                        + " max_position_embeddings %d); LoRA r=%d on %s%s; batch 1; %d warm-up + %d timed steps;"
                        + " %d cores, load average %s%n",
                base, c.numHiddenLayers(), c.hiddenSize(), c.numAttentionHeads(), c.headDim(), c.intermediateSize(),
                c.vocabSize(), c.maxPositionEmbeddings(), lora.r(), String.join(",", lora.targets()),
                lora.trainable().isEmpty() ? "" : " + " + trainableNames(), settings.warmup(), settings.steps(),
                Runtime.getRuntime().availableProcessors(), load);
        System.out.println("FLOPs: " + FLOP_CONVENTION);
    }

    /** Prints the sgemm lines; the first measurement becomes the MFU denominator. */
    void printSgemm(List<SgemmBenchmark> sgemm) {
        peakGflops = sgemm.get(0).gflops();
        for (SgemmBenchmark g : sgemm) {
            System.out.printf("sgemm FP32 %-7s %-22s %9.2f ms %8.1f GFLOP/s%s%n", g.label(), g.shape(),
                    g.medianMillis(), g.gflops(), g == sgemm.get(0) ? "   <- MFU denominator" : "");
        }
    }

    void printLocalHeader() {
        System.out.printf("%nlocal steps (ComputationGraph.fit, one [1, N] minibatch per step):%n");
        System.out.printf("%-6s %-18s %-9s %10s %10s %12s %10s %8s %6s %10s %10s %10s%n", "N", "pattern", "recompute",
                "step ms", "tokens/s", "GFLOP/step", "GFLOP/s", "MFU", "cores", "peak RSS", "ND4J peak", "workspace");
        System.out.flush();
    }

    void printLocal(TrainStepBenchmark.Outcome o) {
        if (o.local() == null) {
            System.out.printf("%-6d %-18s %-9s %s%n", o.n(), o.pattern(), o.recompute().cliName(), o.error());
            System.out.flush();
            return;
        }
        double secs = o.local().medianMillis() / 1e3;
        double gflop = o.flops().model() / 1e9;
        long rss = o.local().peakRssBytes();
        System.out.printf("%-6d %-18s %-9s %10.1f %10.1f %12.3f %10.2f %7.2f%% %6.2f %7.2fGiB %7.2fGiB %7.2fGiB%s%n",
                o.n(), o.pattern(), o.recompute().cliName(), o.local().medianMillis(), o.n() / secs, gflop,
                gflop / secs, 100 * gflop / secs / peakGflops, o.local().coresUsed(), rss / GIB,
                o.local().peakNd4jBytes() / GIB, o.local().workspaceBytes() / GIB,
                rss > settings.memoryBudgetBytes() ? "  (over the memory budget)" : "");
        System.out.flush();
    }

    void printSparkHeader(int workers) {
        System.out.printf("%nparameter-averaging rounds on Spark (%d workers x %d steps each, then one average;"
                        + " one warm-up round, median of %d):%n", workers, settings.averagingFrequency(),
                settings.sparkRounds());
        System.out.printf("%-6s %-18s %-9s %10s %10s %10s %8s %10s%n", "N", "pattern", "recompute", "round ms",
                "tokens/s", "GFLOP/s", "MFU", "peak RSS");
        System.out.flush();
    }

    void printSpark(TrainStepBenchmark.Outcome o) {
        TrainStepBenchmark.Spark s = o.spark();
        if (s.skipped() != null) {
            System.out.printf("%-6d %-18s %-9s skipped: %s%n", o.n(), o.pattern(), o.recompute().cliName(), s.skipped());
        } else {
            double secs = s.medianRoundMillis() / 1e3;
            double gflop = o.flops().model() / 1e9 * s.workers() * s.averagingFrequency();
            System.out.printf("%-6d %-18s %-9s %10.1f %10.1f %10.2f %7.2f%% %7.2fGiB%n", o.n(), o.pattern(),
                    o.recompute().cliName(), s.medianRoundMillis(), s.tokensPerRound(o.n()) / secs, gflop / secs,
                    100 * gflop / secs / peakGflops, s.peakRssBytes() / GIB);
        }
        System.out.flush();
    }

    /**
     * Prints, at {@code n}, the sf/full tokens/s ratio per recomputation mode, and (local steps) the step-time
     * ratio of recomputation over none per attention mode, where both cases ran.
     */
    void printRatio(List<TrainStepBenchmark.Outcome> outcomes, int n, boolean spark) {
        for (RecomputeMode r : RecomputeMode.values()) {
            Double ratio = spark ? sparkRatio(outcomes, n, r) : localRatio(outcomes, n, r);
            if (ratio != null) {
                System.out.printf("%-6d sf/full tokens/s %.2fx (recompute %s)%s%n", n, ratio, r.cliName(),
                        spark ? " (averaging rounds)" : "");
            }
        }
        if (!spark) {
            for (AttentionMode m : AttentionMode.values()) {
                Double ratio = recomputeRatio(outcomes, n, m);
                if (ratio != null) {
                    System.out.printf("%-6d %s step time, recompute layer / none: %.2fx%n", n, m.cliName(), ratio);
                }
            }
        }
        System.out.flush();
    }

    private static Double localRatio(List<TrainStepBenchmark.Outcome> os, int n, RecomputeMode r) {
        TrainStepBenchmark.Outcome sf = find(os, n, AttentionMode.SF, r);
        TrainStepBenchmark.Outcome full = find(os, n, AttentionMode.FULL, r);
        if (sf == null || full == null || sf.local() == null || full.local() == null) {
            return null;
        }
        return full.local().medianMillis() / sf.local().medianMillis();
    }

    private static Double sparkRatio(List<TrainStepBenchmark.Outcome> os, int n, RecomputeMode r) {
        TrainStepBenchmark.Outcome sf = find(os, n, AttentionMode.SF, r);
        TrainStepBenchmark.Outcome full = find(os, n, AttentionMode.FULL, r);
        if (sf == null || full == null || !ran(sf.spark()) || !ran(full.spark())) {
            return null;
        }
        return full.spark().medianRoundMillis() / sf.spark().medianRoundMillis();
    }

    /** Step time with recomputation over step time without, for one length and attention mode. */
    private static Double recomputeRatio(List<TrainStepBenchmark.Outcome> os, int n, AttentionMode m) {
        TrainStepBenchmark.Outcome layer = find(os, n, m, RecomputeMode.LAYER);
        TrainStepBenchmark.Outcome none = find(os, n, m, RecomputeMode.NONE);
        if (layer == null || none == null || layer.local() == null || none.local() == null) {
            return null;
        }
        return layer.local().medianMillis() / none.local().medianMillis();
    }

    private static boolean ran(TrainStepBenchmark.Spark s) {
        return s != null && s.skipped() == null;
    }

    private static TrainStepBenchmark.Outcome find(List<TrainStepBenchmark.Outcome> os, int n, AttentionMode mode,
                                                   RecomputeMode r) {
        return os.stream().filter(o -> o.n() == n && o.pattern().mode() == mode && o.recompute() == r)
                .findFirst().orElse(null);
    }

    private String trainableNames() {
        return String.join(",", lora.trainable().stream().map(TrainableExtra::cliName).toList());
    }

    /** The last stdout line. */
    String json(List<SgemmBenchmark> sgemm, List<TrainStepBenchmark.Outcome> outcomes, String loadBefore,
                String loadAfter) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode out = json.createObjectNode();
        ObjectNode model = out.putObject("model");
        model.put("base", base);
        model.put("layers", c.numHiddenLayers());
        model.put("hidden", c.hiddenSize());
        model.put("heads", c.numAttentionHeads());
        model.put("kv_heads", c.numKeyValueHeads());
        model.put("head_dim", c.headDim());
        model.put("intermediate", c.intermediateSize());
        model.put("vocab", c.vocabSize());
        model.put("max_position_embeddings", c.maxPositionEmbeddings());
        ObjectNode l = out.putObject("lora");
        l.put("r", lora.r());
        l.put("alpha", lora.alpha());
        l.put("targets", String.join(",", lora.targets()));
        l.put("trainable", trainableNames());
        out.set("optimizer", TrainConfigJson.toTree(settings.optimizer()));
        out.put("batch_size", 1);
        out.put("warmup_steps", settings.warmup());
        out.put("timed_steps", settings.steps());
        out.put("cores", Runtime.getRuntime().availableProcessors());
        out.put("load_average_before", loadBefore);
        out.put("load_average_after", loadAfter);
        out.put("memory_budget_bytes", settings.memoryBudgetBytes());
        ArrayNode gemms = out.putArray("sgemm");
        for (SgemmBenchmark g : sgemm) {
            ObjectNode o = gemms.addObject();
            o.put("label", g.label());
            o.put("m", g.m());
            o.put("n", g.n());
            o.put("k", g.k());
            o.put("median_ms", g.medianMillis());
            o.put("gflops", g.gflops());
        }
        out.put("mfu_denominator_gflops", peakGflops);
        out.put("flop_convention", FLOP_CONVENTION);
        ArrayNode rows = out.putArray("results");
        outcomes.forEach(o -> rows.add(row(json, o)));
        ArrayNode ratios = out.putArray("ratios");
        ArrayNode recomputeRatios = out.putArray("recompute_ratios");
        outcomes.stream().mapToInt(TrainStepBenchmark.Outcome::n).distinct().forEach(n -> {
            for (RecomputeMode m : RecomputeMode.values()) {
                Double local = localRatio(outcomes, n, m);
                Double spark = sparkRatio(outcomes, n, m);
                if (local != null) {
                    ObjectNode r = ratios.addObject();
                    r.put("n", n);
                    r.put("recompute", m.cliName());
                    r.put("sf_over_full_tokens_per_s", local);
                    if (spark != null) {
                        r.put("sf_over_full_tokens_per_s_spark", spark);
                    }
                }
            }
            for (AttentionMode m : AttentionMode.values()) {
                Double r = recomputeRatio(outcomes, n, m);
                if (r != null) {
                    ObjectNode o = recomputeRatios.addObject();
                    o.put("n", n);
                    o.put("mode", m.cliName());
                    o.put("layer_over_none_step_time", r);
                }
            }
        });
        return out.toString();
    }

    private ObjectNode row(ObjectMapper json, TrainStepBenchmark.Outcome o) {
        ObjectNode row = json.createObjectNode();
        TrainStepFlops f = o.flops();
        row.put("n", o.n());
        row.put("mode", o.pattern().mode().cliName());
        row.put("pattern", o.pattern().toString());
        row.put("recompute", o.recompute().cliName());
        row.put("rope_factor", o.ropeFactor());
        row.put("model_gflop", f.model() / 1e9);
        row.put("model_useful_gflop", f.modelUseful() / 1e9);
        row.put("forward_gflop", f.forward() / 1e9);
        row.put("executed_gflop_estimate", f.executed() / 1e9);
        row.put("attention_forward_gflop", f.attentionForward() / 1e9);
        row.put("attention_useful_forward_gflop", f.attentionUsefulForward() / 1e9);
        row.put("baseline_rss_bytes", o.baselineRssBytes());
        if (o.local() != null) {
            double secs = o.local().medianMillis() / 1e3;
            row.put("step_ms", o.local().medianMillis());
            ArrayNode all = row.putArray("step_ms_all");
            o.local().stepMillis().forEach(all::add);
            row.put("tokens_per_s", o.n() / secs);
            row.put("achieved_gflops", f.model() / 1e9 / secs);
            row.put("mfu", f.model() / 1e9 / secs / peakGflops);
            row.put("mfu_useful", f.modelUseful() / 1e9 / secs / peakGflops);
            row.put("executed_utilization_estimate", f.executed() / 1e9 / secs / peakGflops);
            row.put("loss", o.local().lastLoss());
            row.put("cores_used", o.local().coresUsed());
            row.put("peak_rss_bytes", o.local().peakRssBytes());
            row.put("peak_nd4j_bytes", o.local().peakNd4jBytes());
            row.put("workspace_bytes", o.local().workspaceBytes());
        }
        TrainStepBenchmark.Spark s = o.spark();
        if (s != null) {
            ObjectNode sp = row.putObject("spark");
            sp.put("workers", s.workers());
            sp.put("steps_per_worker_per_round", s.averagingFrequency());
            if (s.skipped() != null) {
                sp.put("skipped", s.skipped());
            } else {
                double secs = s.medianRoundMillis() / 1e3;
                sp.put("round_ms", s.medianRoundMillis());
                ArrayNode all = sp.putArray("round_ms_all");
                s.roundMillis().forEach(all::add);
                sp.put("tokens_per_s", s.tokensPerRound(o.n()) / secs);
                sp.put("mfu", f.model() / 1e9 * s.workers() * s.averagingFrequency() / secs / peakGflops);
                sp.put("peak_rss_bytes", s.peakRssBytes());
            }
        }
        if (o.error() != null) {
            row.put("error", o.error());
        }
        return row;
    }
}
