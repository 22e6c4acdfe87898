package dev.sinklora.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.eval.AttentionSpec;
import dev.sinklora.eval.EvalModelSpec;
import dev.sinklora.eval.ModelDecoderFactory;
import dev.sinklora.eval.PasskeyHeatMap;
import dev.sinklora.eval.PasskeyJob;
import dev.sinklora.eval.PasskeyReport;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.eval.DepthBuckets;
import dev.sinklora.model.eval.PasskeyPromptBuilder;
import dev.sinklora.model.eval.PasskeyTrial;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.tokenizer.HfTokenizer;
import dev.sinklora.prep.io.DataPaths;
import dev.sinklora.prep.spark.TokenizerFiles;
import dev.sinklora.spark.HadoopConf;
import dev.sinklora.spark.SparkSessions;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code sinklora passkey}: LongLoRA's passkey retrieval test on Spark, one task per trial. */
@Command(name = "passkey", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Passkey retrieval (LongLoRA's test, rebuilt): a task line, repeated filler, the line \"The pass "
                + "key is N. Remember it. N is the pass key.\" at a random depth, and the question \"What is the pass "
                + "key? The pass key is\"; N is a random 5-digit key. The model decodes greedily as many tokens as "
                + "the answer takes; a trial passes when the answer's digits are exactly the key.",
                "Each --lengths entry is filled with whole filler sentences so prompt plus answer fit in it. Trial t "
                + "puts the key at a random depth within depth bucket t mod --depth-buckets. Trials run as Spark "
                + "tasks (base weights loaded once per executor); with --attention full (the default) each trial decodes "
                + "through the KV cache (one prefill, then one position per answer token), with another pattern "
                + "by re-running the forward pass with it per token.",
                "Prints a table and, as the last stdout line, JSON with accuracy per length and per depth bucket; "
                + "writes a PNG heat map (length x depth) to --heatmap."})
public final class PasskeyCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--tokenizer", required = true, paramLabel = "PATH",
            description = "the model's tokenizer.json, or its folder (any Hadoop file system)")
    String tokenizer;

    @Option(names = "--lengths", required = true, split = ",", paramLabel = "N",
            description = "context lengths in tokens, e.g. 1024,2048,4096")
    List<Integer> lengths;

    @Option(names = "--trials", defaultValue = "10", paramLabel = "T",
            description = "trials per length (default: ${DEFAULT-VALUE})")
    int trials;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "SEED", description = "seed of keys and depths (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--depth-buckets", defaultValue = "5", paramLabel = "B",
            description = "depth buckets of the filler, for the per-depth accuracy and the heat map (default: ${DEFAULT-VALUE})")
    int depthBuckets;

    @Option(names = "--heatmap", defaultValue = "passkey.png", paramLabel = "PATH",
            description = "where to write the PNG heat map (any Hadoop file system; default: ${DEFAULT-VALUE})")
    String heatmap;

    @Mixin
    EvalRunOptions run;

    @Override
    public Integer call() throws Exception {
        if (trials < 1) {
            throw new BadInputException("--trials must be at least 1, got " + trials);
        }
        for (int n : lengths) {
            if (n < 1) {
                throw new BadInputException("--lengths: " + n + " is not a positive length");
            }
        }
        DepthBuckets buckets = new DepthBuckets(depthBuckets);
        AttentionSpec att = run.attentionSpec();
        try (SparkSessions session = SparkSessions.forCommand("passkey", BuildInfo.nd4jBackend())) {
            return run(session, buckets, att);
        }
    }

    private int run(SparkSessions session, DepthBuckets buckets, AttentionSpec att) throws Exception {
        long t0 = System.nanoTime();
        Configuration conf = session.get().sparkContext().hadoopConfiguration();
        EvalModelSpec spec = run.modelSpec(conf);
        EvalModelSpec.Info info = spec.describe(conf);
        Path heatmapPath = DataPaths.qualify(heatmap, conf, "--heatmap");
        DataPaths.checkCreatable(heatmapPath, conf, "--heatmap");
        TokenizerFiles files = TokenizerFiles.load(tokenizer, conf);
        List<PasskeyTrial> all = new ArrayList<>();
        PrintStream out = System.out;
        try (HfTokenizer tok = files.open()) {
            PasskeyPromptBuilder builder = new PasskeyPromptBuilder(tok, buckets, seed);
            for (int n : lengths) {
                if (n > info.contextWindow()) {
                    warn("length %d is beyond the model's "
                            + "context window %d (max_position_embeddings %d x RoPE factor %s)", n,
                            info.contextWindow(), info.config().maxPositionEmbeddings(), info.ropeFactor());
                }
                for (int t = 0; t < trials; t++) {
                    PasskeyTrial trial = builder.build(n, t);
                    checkVocabulary(trial, info.config().vocabSize(), files.path());
                    all.add(trial);
                }
            }
            List<PasskeyJob.Generated> generated = PasskeyJob.run(session.get(), all,
                    new ModelDecoderFactory(spec, att, new HadoopConf(conf)));
            PasskeyReport report = PasskeyReport.grade(all, generated, tok::decode, buckets);

            out.printf(Locale.ROOT, "%-8s %8s %8s %10s   %s%n", "length", "prompt", "trials", "accuracy", "by depth");
            for (int n : report.lengths()) {
                StringBuilder depth = new StringBuilder();
                for (int b = 0; b < buckets.count(); b++) {
                    PasskeyReport.Cell c = report.cell(n, b);
                    depth.append(String.format(Locale.ROOT, " %s:%s", buckets.label(b),
                            c.trials() == 0 ? "-" : c.correct() + "/" + c.trials()));
                }
                PasskeyReport.Cell c = report.byLength(n);
                out.printf(Locale.ROOT, "%-8d %8.0f %8d %10.2f  %s%n", n, report.meanPromptTokens(n), c.trials(),
                        c.accuracy(), depth);
            }
            ObjectNode json = JSON.createObjectNode();
            json.put("model", spec.baseUri());
            if (spec.adapterUri() != null) {
                json.put("adapter", spec.adapterUri());
            }
            json.put("tokenizer", files.path());
            json.put("trials", trials);
            json.put("seed", seed);
            json.put("depth_buckets", buckets.count());
            json.put("attention", run.attention);
            json.put("rope_factor", info.ropeFactor());
            json.put("rope_source", info.ropeSource());
            json.put("rope_frequencies", info.config().ropeFrequencies());
            json.put("context_window", info.contextWindow());
            json.setAll(report.toJson());
            json.put("heatmap", heatmapPath.toString());
            json.put("seconds", (System.nanoTime() - t0) / 1e9);
            out.println(JSON.writeValueAsString(json));
            out.flush();
            // the plot last: the results above are printed even if it cannot be written
            byte[] png = PasskeyHeatMap.png(report, "passkey retrieval: " + lastName(spec.adapterUri() != null
                    ? spec.adapterUri() : spec.baseUri()) + String.format(Locale.ROOT, " (RoPE x%s, %s)",
                    info.ropeFactor(), run.attention));
            try {
                DataPaths.writeAll(heatmapPath, png, conf);
            } catch (IOException e) {
                throw new BadInputException("--heatmap " + heatmapPath + ": cannot write the heat map ("
                        + e.getMessage() + "); the results above are complete");
            }
        }
        return 0;
    }

    private static void checkVocabulary(PasskeyTrial t, int vocabSize, String tokenizerPath) {
        try {
            LlamaModel.validateTokens(t.promptIds(), t.promptIds().length, vocabSize);
        } catch (BadInputException e) {
            throw new BadInputException("--tokenizer " + tokenizerPath + ": the length-" + t.length() + " prompt's "
                    + e.getMessage() + " of --model (is it the model's tokenizer?)");
        }
    }

    private static String lastName(String uri) {
        String s = uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
        return s.substring(s.lastIndexOf('/') + 1);
    }

    /** A one-line warning on the command's stderr. */
    private void warn(String format, Object... args) {
        var err = spec.commandLine().getErr();
        err.println("sinklora passkey: warning: " + String.format(Locale.ROOT, format, args).strip());
        err.flush();
    }
}
