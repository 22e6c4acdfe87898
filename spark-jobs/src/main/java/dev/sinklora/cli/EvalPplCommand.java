package dev.sinklora.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.eval.AttentionSpec;
import dev.sinklora.eval.EvalModelSpec;
import dev.sinklora.eval.PerplexityJob;
import dev.sinklora.eval.TokenStream;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.eval.PerplexityProtocol;
import dev.sinklora.model.eval.PerplexityWindow;
import dev.sinklora.model.eval.PerplexityWindows;
import dev.sinklora.spark.SparkSessions;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code sinklora eval-ppl}: long-context perplexity of a prep-corpus split on Spark. */
@Command(name = "eval-ppl", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Long-context perplexity of a prep-corpus split, scored on Spark: windows of --seq-len tokens "
                + "over the split's flat token stream (rows in shard order, padding dropped) are scored in parallel "
                + "tasks; base weights are loaded once per executor.",
                "Protocols: longlora (LongLoRA's eval.py: a window starts every --stride tokens and is scored in "
                + "full; the tail after the last full window is not scored) and strided (Hugging Face's: each window "
                + "scores only the tokens the previous one did not, so every token after the first is scored once).",
                "Prints a table (one row per --seq-len) and, as the last stdout line, JSON with tokens, mean_nll, "
                + "ppl, windows (and a results array, one entry per length)."})
public final class EvalPplCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "URI", description = "output folder of prep-corpus")
    String data;

    @Option(names = "--split", defaultValue = "validation", paramLabel = "NAME",
            description = "which split of --data to evaluate (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--seq-len", required = true, split = ",", paramLabel = "N",
            description = "evaluation length(s) in tokens, e.g. 4096 or 1024,2048,4096 (one table row each)")
    List<Integer> seqLens;

    @Option(names = "--protocol", defaultValue = "longlora", paramLabel = "P",
            description = "longlora | strided (default: ${DEFAULT-VALUE})")
    String protocol;

    @Option(names = "--stride", defaultValue = "256", paramLabel = "S",
            description = "tokens between window starts (default: ${DEFAULT-VALUE}); strided needs S < N")
    int stride;

    @Option(names = "--max-windows", paramLabel = "M",
            description = "score at most M windows per length, evenly spaced over the split (default: all)")
    Integer maxWindows;

    @Mixin
    EvalRunOptions run;

    @Override
    public Integer call() throws Exception {
        PerplexityProtocol proto = PerplexityProtocol.parse(protocol, "--protocol");
        AttentionSpec att = run.attentionSpec();
        for (int n : seqLens) {
            if (n < 2) {
                throw new BadInputException("--seq-len must be at least 2, got " + n);
            }
        }
        if (stride < 1) {
            throw new BadInputException("--stride must be at least 1, got " + stride);
        }
        if (maxWindows != null && maxWindows < 1) {
            throw new BadInputException("--max-windows must be at least 1, got " + maxWindows);
        }
        try (SparkSessions session = SparkSessions.forCommand("eval-ppl", BuildInfo.nd4jBackend())) {
            return run(session, proto, att);
        }
    }

    private int run(SparkSessions session, PerplexityProtocol proto, AttentionSpec att) throws Exception {
        Configuration conf = session.get().sparkContext().hadoopConfiguration();
        EvalModelSpec spec = run.modelSpec(conf);
        EvalModelSpec.Info info = spec.describe(conf);
        TokenStream stream = TokenStream.read(session.get(), data, split, info.config().vocabSize());
        int total = stream.tokens().length;
        // plan every length before scoring any, so a bad --seq-len fails fast
        List<List<PerplexityWindow>> plans;
        try {
            plans = seqLens.stream().map(n -> PerplexityWindows.plan(proto, total, n, stride)).toList();
        } catch (BadInputException e) {
            throw new BadInputException(e.getMessage() + " (" + stream.where() + ")", e);
        }
        PrintStream out = System.out;
        ObjectNode json = JSON.createObjectNode();
        json.put("model", spec.baseUri());
        if (spec.adapterUri() != null) {
            json.put("adapter", spec.adapterUri());
        }
        json.put("data", stream.where());
        json.put("split", split);
        json.put("stream_tokens", total);
        json.put("protocol", proto.cliName());
        json.put("stride", stride);
        if (maxWindows != null) {
            json.put("max_windows", maxWindows);
        }
        json.put("rope_factor", info.ropeFactor());
        json.put("rope_source", info.ropeSource());
        json.put("rope_frequencies", info.config().ropeFrequencies());
        json.put("context_window", info.contextWindow());
        ArrayNode results = json.putArray("results");

        out.printf(Locale.ROOT, "%-8s %-24s %8s %10s %10s %12s %9s%n",
                "seq_len", "attention", "windows", "tokens", "mean_nll", "ppl", "seconds");
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(session.get().sparkContext());
        Broadcast<int[]> shipped = jsc.broadcast(stream.tokens());
        try {
            for (int i = 0; i < seqLens.size(); i++) {
                int n = seqLens.get(i);
                if (n > info.contextWindow()) {
                    warn("--seq-len %d is beyond the model's "
                            + "context window %d (max_position_embeddings %d x RoPE factor %s)", n,
                            info.contextWindow(), info.config().maxPositionEmbeddings(), info.ropeFactor());
                }
                List<PerplexityWindow> all = plans.get(i);
                List<PerplexityWindow> chosen = PerplexityWindows.sample(all, maxWindows);
                PerplexityJob.Result r = PerplexityJob.run(session.get(), conf, spec, att, shipped, chosen);
                ObjectNode row = results.addObject();
                row.put("seq_len", n);
                row.put("attention", att.at(n).toString());
                row.put("windows", r.windows());
                row.put("windows_planned", all.size());
                row.put("tokens", r.tokens());
                row.put("mean_nll", r.meanNll());
                row.put("ppl", r.ppl());
                row.put("unscored_tokens", PerplexityWindows.unscoredTargets(chosen, total));
                row.put("seconds", r.seconds());
                row.put("windows_per_s", r.windows() / r.seconds());
                row.put("tokens_per_s", r.tokens() / r.seconds());
                out.printf(Locale.ROOT, "%-8d %-24s %8d %10d %10.4f %12.3f %9.1f%n", n, att.at(n), r.windows(),
                        r.tokens(), r.meanNll(), r.ppl(), r.seconds());
            }
        } finally {
            shipped.destroy();
        }
        if (seqLens.size() == 1) {
            ObjectNode only = (ObjectNode) results.get(0);
            only.fieldNames().forEachRemaining(f -> json.set(f, only.get(f)));
        }
        out.println(JSON.writeValueAsString(json));
        return 0;
    }

    /** A one-line warning on the command's stderr. */
    private void warn(String format, Object... args) {
        var err = spec.commandLine().getErr();
        err.println("sinklora eval-ppl: warning: " + String.format(Locale.ROOT, format, args).strip());
        err.flush();
    }
}
