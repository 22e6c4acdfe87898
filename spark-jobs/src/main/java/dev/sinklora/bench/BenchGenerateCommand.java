package dev.sinklora.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.generate.CachePolicy;
import dev.sinklora.model.generate.IncrementalDecoder;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.plot.LinePlot;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code sinklora bench-generate}: on a small in-memory LLaMA, decode speed and KV-cache bytes of full vs h2o
 * at several context lengths (same run), then the mean NLL of a continuation under full, h2o and sink at
 * several budgets (H2O's curve), as a table, a PNG plot and a JSON last line.
 */
@Command(name = "bench-generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmark KV-cache generation (full vs h2o vs sink) on a small in-memory LLaMA.",
                "The model: hidden 256, 4 layers, 4 heads, vocab 512; random weights with planted heavy-hitter",
                "tokens (see HeavyHitterLlama). It measures:",
                "  1. decode tok/s and KV bytes, full vs h2o, per context (prompt + decoded);",
                "  2. mean NLL of a sampled continuation under full, h2o and sink at budgets",
                "     (fractions of the prompt), planted model and plain random control; PNG plot.",
                "JSON as the last stdout line. On a shared machine set OMP_NUM_THREADS=1."})
public final class BenchGenerateCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--contexts", split = ",", defaultValue = "4096,16384", paramLabel = "N",
            description = "context lengths for the speed runs, prompt + decoded (default: ${DEFAULT-VALUE})")
    int[] contexts;

    @Option(names = "--decode-tokens", defaultValue = "64", paramLabel = "T",
            description = "tokens decoded per speed run (default: ${DEFAULT-VALUE})")
    int decodeTokens;

    @Option(names = "--speed-budget", defaultValue = "0.2", paramLabel = "F",
            description = "h2o budget for the speed runs, fraction of the prompt (default: ${DEFAULT-VALUE})")
    double speedBudget;

    @Option(names = "--nll-prompt", defaultValue = "2048", paramLabel = "P",
            description = "prompt length of the NLL runs (default: ${DEFAULT-VALUE})")
    int nllPrompt;

    @Option(names = "--nll-continuation", defaultValue = "256", paramLabel = "C",
            description = "continuation tokens scored (default: ${DEFAULT-VALUE})")
    int nllContinuation;

    @Option(names = "--budgets", split = ",", defaultValue = "0.1,0.2,0.5", paramLabel = "F",
            description = "cache budgets for the NLL runs, fractions of the prompt (default: ${DEFAULT-VALUE})")
    double[] budgets;

    @Option(names = "--sink-tokens", defaultValue = "4", paramLabel = "S",
            description = "sink positions of h2o and sink (default: ${DEFAULT-VALUE})")
    int sinks;

    @Option(names = "--plot", defaultValue = "bench-generate-nll.png", paramLabel = "PNG",
            description = "where to write the NLL plot (default: ${DEFAULT-VALUE})")
    Path plot;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "model and prompt seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--prefill-chunk", defaultValue = "" + IncrementalDecoder.DEFAULT_PREFILL_CHUNK, paramLabel = "C",
            description = "prompt queries per prefill attention block (default: ${DEFAULT-VALUE})")
    int prefillChunk;

    @Option(names = "--skip-speed", description = "only the NLL runs")
    boolean skipSpeed;

    @Option(names = "--skip-nll", description = "only the speed runs")
    boolean skipNll;

    @Override
    public Integer call() throws Exception {
        validate();
        ObjectNode out = JSON.createObjectNode();
        int maxContext = Math.max(Arrays.stream(contexts).max().orElse(0), nllPrompt + nllContinuation);
        out.put("model", "HeavyHitterLlama: hidden " + HeavyHitterLlama.HIDDEN + ", " + HeavyHitterLlama.LAYERS
                + " layers, " + HeavyHitterLlama.HEADS + " heads x 64, vocab " + HeavyHitterLlama.VOCAB
                + ", rope_theta 500000, FP32 random weights (q/k gain " + HeavyHitterLlama.QK_GAIN
                + "); 'planted': 1/32 of the ids are keys every query favours; 'random': no planting");
        out.put("seed", seed);
        System.out.println("model: " + out.get("model").asText());
        System.out.println("ND4J CPU FP32: " + Nd4j.getEnvironment().maxThreads() + " threads (OMP_NUM_THREADS="
                + System.getenv().getOrDefault("OMP_NUM_THREADS", "unset") + "), "
                + Runtime.getRuntime().availableProcessors() + " cores visible");
        out.put("nd4j_threads", Nd4j.getEnvironment().maxThreads());

        LlamaModel planted = HeavyHitterLlama.create(maxContext, seed, true);
        if (!skipSpeed) {
            out.set("speed", speed(new IncrementalDecoder(planted, prefillChunk)));
        }
        if (!skipNll) {
            LlamaModel random = HeavyHitterLlama.create(maxContext, seed, false);
            ObjectNode nll = out.putObject("nll");
            List<LinePlot.Panel> panels = new ArrayList<>();
            nll.set("planted", nll(new IncrementalDecoder(planted, prefillChunk), "planted heavy hitters", panels));
            nll.set("random", nll(new IncrementalDecoder(random, prefillChunk), "random control", panels));
            LinePlot.write(plot, panels);
            System.out.println("plot: " + plot.toAbsolutePath());
            out.put("plot", plot.toAbsolutePath().toString());
        }
        System.out.println(JSON.writeValueAsString(out));
        return 0;
    }

    private ArrayNode speed(IncrementalDecoder dec) {
        // warm-up (JIT, ND4J kernels), untimed
        int[] warm = GenerateBenchmark.randomPrompt(512, HeavyHitterLlama.VOCAB, seed + 99);
        GenerateBenchmark.speed(dec, List.of(CachePolicy.FULL,
                GenerateBenchmark.budgetPolicy(CachePolicy.Kind.H2O, speedBudget, 512, sinks)), warm, 16);

        ArrayNode rows = JSON.createArrayNode();
        System.out.println();
        System.out.println("full and h2o are prefilled, then their decoding steps interleaved; decode tok/s = 1000 / median");
        System.out.println("step ms (robust to other load), mean = steps / their total time");
        System.out.printf("%-8s %-34s %9s %10s %13s %13s %13s %7s%n", "context", "cache", "KV MiB", "prefill s",
                "median ms/t", "tok/s median", "tok/s mean", "peak");
        for (int n : contexts) {
            int promptLength = n - decodeTokens;
            int[] prompt = GenerateBenchmark.randomPrompt(promptLength, HeavyHitterLlama.VOCAB, seed + n);
            GenerateBenchmark.Speed full = null;
            for (GenerateBenchmark.Speed r : GenerateBenchmark.speed(dec, List.of(CachePolicy.FULL,
                    GenerateBenchmark.budgetPolicy(CachePolicy.Kind.H2O, speedBudget, promptLength, sinks)), prompt,
                    decodeTokens)) {
                CachePolicy p = r.policy();
                System.out.printf("%-8d %-34s %9.2f %10.2f %13.2f %13.1f %13.1f %7d%n", n, p, r.kvBytes() / 1048576.0,
                        r.prefillMillis() / 1000, r.medianStepMillis(), r.tokensPerSecond(), r.meanTokensPerSecond(),
                        r.cachePeak());
                ObjectNode row = rows.addObject();
                row.put("context", n);
                row.put("prompt_tokens", promptLength);
                row.put("kv_cache", p.kind().cliName());
                row.put("policy", p.toString());
                row.put("kv_cache_bytes", r.kvBytes());
                row.put("bookkeeping_bytes", r.bookkeepingBytes());
                row.put("cache_capacity", r.cacheCapacity());
                row.put("cache_peak", r.cachePeak());
                row.put("prefill_ms", r.prefillMillis());
                row.put("decode_steps", r.stepMillis().length);
                row.put("median_step_ms", r.medianStepMillis());
                row.put("tokens_per_s", r.tokensPerSecond());
                row.put("tokens_per_s_mean", r.meanTokensPerSecond());
                if (full == null) {
                    full = r;
                } else {
                    System.out.printf("%-8d h2o/full: KV bytes %.3fx, decode tok/s %.2fx (median), %.2fx (mean); "
                                    + "greedy tokens equal to full for the first %d of %d%n", n,
                            (double) r.kvBytes() / full.kvBytes(), r.tokensPerSecond() / full.tokensPerSecond(),
                            r.meanTokensPerSecond() / full.meanTokensPerSecond(), commonPrefix(r.tokens(), full.tokens()),
                            decodeTokens);
                }
            }
            System.out.flush();
        }
        return rows;
    }

    private static int commonPrefix(int[] a, int[] b) {
        int i = 0;
        while (i < Math.min(a.length, b.length) && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    private ObjectNode nll(IncrementalDecoder dec, String name, List<LinePlot.Panel> panels) {
        int[] prompt = GenerateBenchmark.randomPrompt(nllPrompt, HeavyHitterLlama.VOCAB, seed + 7);
        int[] continuation = GenerateBenchmark.sampleContinuation(dec, prompt, nllContinuation, seed + 11);
        double concentration = GenerateBenchmark.attentionConcentration(dec, prompt, 0.1);
        double full = GenerateBenchmark.continuationNll(dec, CachePolicy.FULL, prompt, continuation);
        System.out.println();
        System.out.printf("NLL of a %d-token continuation (sampled from the full-cache model, T=1) after a %d-token prompt: %s%n",
                nllContinuation, nllPrompt, name);
        System.out.printf("attention concentration: the top 10%% of prompt keys receive %.1f%% of the prompt's attention%n",
                100 * concentration);
        System.out.printf("%-8s %-10s %-34s %10s %-34s %10s%n", "budget", "full", "h2o", "NLL", "sink", "NLL");
        ObjectNode o = JSON.createObjectNode();
        o.put("prompt_tokens", nllPrompt);
        o.put("continuation_tokens", nllContinuation);
        o.put("top10_attention_share", concentration);
        o.put("full", full);
        ArrayNode rows = o.putArray("rows");
        double[] h2oY = new double[budgets.length];
        double[] sinkY = new double[budgets.length];
        for (int i = 0; i < budgets.length; i++) {
            CachePolicy h = GenerateBenchmark.budgetPolicy(CachePolicy.Kind.H2O, budgets[i], nllPrompt, sinks);
            CachePolicy s = GenerateBenchmark.budgetPolicy(CachePolicy.Kind.SINK, budgets[i], nllPrompt, sinks);
            h2oY[i] = GenerateBenchmark.continuationNll(dec, h, prompt, continuation);
            sinkY[i] = GenerateBenchmark.continuationNll(dec, s, prompt, continuation);
            System.out.printf("%-8s %-10.4f %-34s %10.4f %-34s %10.4f%n", Math.round(budgets[i] * 100) + "%", full,
                    h, h2oY[i], s, sinkY[i]);
            System.out.flush();
            ObjectNode row = rows.addObject();
            row.put("budget", budgets[i]);
            row.put("h2o_policy", h.toString());
            row.put("h2o", h2oY[i]);
            row.put("sink_policy", s.toString());
            row.put("sink", sinkY[i]);
        }
        double[] fullY = new double[budgets.length];
        Arrays.fill(fullY, full);
        panels.add(new LinePlot.Panel(name + " (prompt " + nllPrompt + ")", "KV budget (share of the prompt)",
                "mean continuation NLL (nats)", List.of(
                new LinePlot.Series("h2o", budgets, h2oY, new Color(200, 60, 40), false),
                new LinePlot.Series("sink", budgets, sinkY, new Color(40, 90, 200), false),
                new LinePlot.Series("full", budgets, fullY, Color.DARK_GRAY, true)), LinePlot.XFormat.PERCENT));
        return o;
    }

    private void validate() {
        for (int n : contexts) {
            if (n <= decodeTokens) {
                throw new BadInputException("--contexts: each context must exceed --decode-tokens " + decodeTokens + ", got " + n);
            }
        }
        if (decodeTokens < 2) {
            throw new BadInputException("--decode-tokens must be >= 2, got " + decodeTokens);
        }
        for (double b : budgets) {
            if (!(b > 0 && b <= 1)) {
                throw new BadInputException("--budgets must be in (0, 1], got " + b);
            }
        }
        if (!(speedBudget > 0 && speedBudget <= 1)) {
            throw new BadInputException("--speed-budget must be in (0, 1], got " + speedBudget);
        }
        if (nllPrompt < 2 * (sinks + 2) || nllContinuation < 1) {
            throw new BadInputException("--nll-prompt must be >= " + 2 * (sinks + 2) + " and --nll-continuation >= 1");
        }
        if (sinks < 0) {
            throw new BadInputException("--sink-tokens must be >= 0, got " + sinks);
        }
        if (prefillChunk < 1) {
            throw new BadInputException("--prefill-chunk must be >= 1, got " + prefillChunk);
        }
    }
}
