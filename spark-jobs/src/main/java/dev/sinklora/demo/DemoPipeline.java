package dev.sinklora.demo;

import dev.sinklora.eval.EvalModelSpec;
import dev.sinklora.eval.PerplexityJob;
import dev.sinklora.eval.TokenStream;
import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.io.LocalModelDirectory;
import dev.sinklora.model.lora.MergeExporter;
import dev.sinklora.train.TrainJob;
import dev.sinklora.train.config.TrainConfig;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole pipeline on a generated task, small enough for a laptop CPU: a corpus that needs long
 * context, a tiny base trained from scratch at a short context, prep-corpus, SinkLoRA training at
 * 4x that context with position interpolation, merge, and perplexity at the long context before
 * and after (eval-ppl's Spark job).
 */
public final class DemoPipeline {

    private static final Logger LOG = LoggerFactory.getLogger(DemoPipeline.class);

    private DemoPipeline() {
    }

    public record Options(Path out, int baseContext, int factor, int documents, int baseSteps, int trainSteps,
                          long seed) {
    }

    /** One row of the result table. */
    public record PerplexityRow(String model, int context, double ropeFactor, String attention, double meanNll, long tokens) {
        public double ppl() {
            return Math.exp(meanNll);
        }
    }

    public record Result(List<PerplexityRow> rows, double baseFirstLoss, double baseLastLoss, TrainJob.Result train,
                         double seconds) {
    }

    public static Result run(SparkSession spark, Options o) throws IOException {
        long t0 = System.nanoTime();
        int longContext = o.baseContext() * o.factor();
        Path tokenizer = o.out().resolve("tokenizer/tokenizer.json");
        Path corpus = o.out().resolve("corpus/docs.jsonl");
        DemoCorpus.writeTokenizer(tokenizer);
        // documents a bit shorter than the long context, so a window holds most of one document
        DemoCorpus.writeJsonl(corpus, o.documents(), longContext - 30, o.seed());
        LOG.info("demo: wrote {} documents to {}", o.documents(), corpus);

        Path dataShort = o.out().resolve("data-" + o.baseContext());
        Path dataLong = o.out().resolve("data-" + longContext);
        PipelineSteps.prep(spark, corpus, tokenizer, o.baseContext(), dataShort, o.seed());
        PipelineSteps.prep(spark, corpus, tokenizer, longContext, dataLong, o.seed());

        // 1. the base: trained from scratch at the short context
        int vocab = PipelineSteps.paddedVocab(DemoCorpus.vocabSize());
        List<int[]> shortRows = PipelineSteps.rows(spark, dataShort.resolve("train"));
        LOG.info("demo: pretraining a 2-layer base at context {} on {} rows for {} steps", o.baseContext(),
                shortRows.size(), o.baseSteps());
        TinyBasePretrainer.Result base = TinyBasePretrainer.train(TinyBasePretrainer.config(vocab, o.baseContext()),
                shortRows, o.baseContext(), 8, o.baseSteps(), 3e-3, o.seed());
        Path baseDir = o.out().resolve("base");
        TinyBasePretrainer.save(base.model(), baseDir);
        Files.copy(tokenizer, baseDir.resolve("tokenizer.json"));

        // 2. SinkLoRA at 4x the context, PI factor 4 (train's default for seq-len / max_position_embeddings)
        Path run = o.out().resolve("run");
        TrainConfig train = PipelineSteps.fineTune(baseDir, dataLong, run, AttentionMode.SF, null, o.trainSteps(),
                o.seed());
        TrainJob.Result trained = TrainJob.run(spark, train);

        // 3. merge
        Path merged = o.out().resolve("merged");
        MergeExporter.export(new LocalModelDirectory(baseDir), new LocalModelDirectory(run.resolve("final")),
                new LocalModelDirectory(merged), MergeExporter.Options.defaults());

        // 4. perplexity on the validation split with eval-ppl's job (longlora windows, stride = window),
        //    full attention as at inference
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        TokenStream stream = TokenStream.read(spark, dataLong.toString(), "validation", vocab);
        List<PerplexityRow> table = new ArrayList<>();
        table.add(perplexity(spark, "base (trained at " + o.baseContext() + ")",
                EvalModelSpec.of(baseDir.toString(), null, null, conf), 1.0, stream, longContext));
        table.add(perplexity(spark, "base + PI x" + o.factor() + ", no training",
                EvalModelSpec.of(baseDir.toString(), null, (double) o.factor(), conf), o.factor(), stream, longContext));
        table.add(perplexity(spark, "SinkLoRA (sf) merged",
                EvalModelSpec.of(merged.toString(), null, null, conf), o.factor(), stream, longContext));
        table.add(perplexity(spark, "base (trained at " + o.baseContext() + ")",
                EvalModelSpec.of(baseDir.toString(), null, null, conf), 1.0, stream, o.baseContext()));
        return new Result(table, base.firstLoss(), base.lastLoss(), trained, (System.nanoTime() - t0) / 1e9);
    }

    private static PerplexityRow perplexity(SparkSession spark, String name, EvalModelSpec model, double ropeFactor,
                                            TokenStream stream, int window) {
        PerplexityJob.Result r = PipelineSteps.perplexity(spark, model, stream, window);
        return new PerplexityRow(name, window, ropeFactor, "full", r.meanNll(), r.tokens());
    }
}
