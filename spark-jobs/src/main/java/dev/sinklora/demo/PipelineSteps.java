package dev.sinklora.demo;

import dev.sinklora.eval.AttentionSpec;
import dev.sinklora.eval.EvalModelSpec;
import dev.sinklora.eval.PerplexityJob;
import dev.sinklora.eval.TokenStream;
import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.eval.PerplexityProtocol;
import dev.sinklora.model.eval.PerplexityWindow;
import dev.sinklora.model.eval.PerplexityWindows;
import dev.sinklora.prep.corpus.LastRow;
import dev.sinklora.prep.corpus.PrepCorpusJob;
import dev.sinklora.prep.corpus.PrepCorpusOptions;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.lora.TrainableExtra;
import dev.sinklora.prep.io.InputFormat;
import dev.sinklora.train.RecomputeMode;
import dev.sinklora.train.config.DataConfig;
import dev.sinklora.train.config.ModelConfig;
import dev.sinklora.train.config.OptimizerConfig;
import dev.sinklora.train.config.RunConfig;
import dev.sinklora.train.config.TrainConfig;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * The pipeline steps the generated-task commands (demo, ablation) share, each through the real job: prep-corpus of a
 * JSONL corpus, reading a split's rows for the in-process base pretrainer, and eval-ppl's job at one window length.
 */
public final class PipelineSteps {

    private PipelineSteps() {
    }

    /** LoRA of the generated-task fine-tunes: r=8, alpha=16 on q/k/v/o, norms trained too (LoRA+). */
    public static final LoraConfig LORA = new LoraConfig(8, 16, 0, List.of("q_proj", "k_proj", "v_proj", "o_proj"),
            EnumSet.of(TrainableExtra.NORM));
    /** Learning rate and warmup of the generated-task fine-tunes. */
    public static final double LEARNING_RATE = 2e-3;
    public static final int WARMUP_STEPS = 10;

    /** A vocabulary size rounded up to a multiple of 32 (the tiny base's embedding rows). */
    public static int paddedVocab(int vocabSize) {
        return ((vocabSize + 31) / 32) * 32;
    }

    /**
     * The train config of a generated-task fine-tune: {@link #LORA}, {@link #LEARNING_RATE} after
     * {@link #WARMUP_STEPS}, batch 2, averaging every 5 steps, one worker per Spark core, RoPE factor and group size
     * from train's defaults (seq-len / max_position_embeddings, N/4), only the final checkpoint kept.
     *
     * @param sinkTokens null: the mode's default (4 for sf, 0 otherwise)
     */
    public static TrainConfig fineTune(Path base, Path data, Path out, AttentionMode attention, Integer sinkTokens,
                                       int steps, long seed) {
        return new TrainConfig(new ModelConfig(base.toString(), attention, null, sinkTokens, null, RecomputeMode.LAYER),
                LORA, new OptimizerConfig(LEARNING_RATE, WARMUP_STEPS, 0.0), new DataConfig(data.toString(), null, 2),
                new RunConfig(out.toString(), steps, null, Math.max(5, steps), 5, null, seed, false, true));
    }

    /** prep-corpus of {@code corpus} at {@code seqLen} into {@code out}: 10% validation, the last partial row dropped. */
    public static void prep(SparkSession spark, Path corpus, Path tokenizer, int seqLen, Path out, long seed) {
        PrepCorpusJob.run(spark, new PrepCorpusOptions(List.of(corpus.toString()), tokenizer.toString(), seqLen,
                out.toString(), 0.1, seed, "text", InputFormat.JSONL, 0.0, true, false, LastRow.DROP, 0,
                PrepCorpusOptions.DEFAULT_SHARD_BYTES));
    }

    /** The rows ({@code input_ids}) of a prep-corpus split, in a fixed order. */
    public static List<int[]> rows(SparkSession spark, Path split) {
        List<int[]> out = new ArrayList<>();
        for (Row r : spark.read().parquet(split.toString()).orderBy("input_ids").collectAsList()) {
            List<Integer> ids = r.getList(r.fieldIndex("input_ids"));
            out.add(ids.stream().mapToInt(Integer::intValue).toArray());
        }
        return out;
    }

    /**
     * Perplexity of {@code model} on {@code stream} with eval-ppl's job: LongLoRA windows of {@code window} tokens
     * every {@code window} tokens, full attention as at inference.
     */
    public static PerplexityJob.Result perplexity(SparkSession spark, EvalModelSpec model, TokenStream stream,
                                                  int window) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<int[]> tokens = jsc.broadcast(stream.tokens());
        try {
            List<PerplexityWindow> windows = PerplexityWindows.plan(PerplexityProtocol.LONGLORA,
                    stream.tokens().length, window, window);
            return PerplexityJob.run(spark, spark.sparkContext().hadoopConfiguration(), model, AttentionSpec.FULL,
                    tokens, windows);
        } finally {
            tokens.unpersist();
        }
    }
}
