package dev.sinklora.ablation;

import dev.sinklora.demo.PipelineSteps;
import dev.sinklora.eval.AttentionSpec;
import dev.sinklora.eval.EvalModelSpec;
import dev.sinklora.eval.ModelDecoderFactory;
import dev.sinklora.eval.PasskeyJob;
import dev.sinklora.eval.PasskeyReport;
import dev.sinklora.eval.PerplexityJob;
import dev.sinklora.model.tokenizer.HfTokenizer;
import dev.sinklora.spark.HadoopConf;
import org.apache.spark.sql.SparkSession;

import java.util.List;

/**
 * Scores a model the same way for every arm, with full attention as at inference: perplexity of the held-out
 * long-range documents in windows of the long context (eval-ppl's job) and passkey accuracy at the long context
 * (passkey's job, decoding through the KV cache). Safe to call from several threads.
 */
final class ArmScorer implements AutoCloseable {

    /** A model's scores. */
    record Score(double meanNll, long tokens, double passkeyAccuracy, int passkeyCorrect, int passkeyTrials,
                 double seconds) {
        double ppl() {
            return Math.exp(meanNll);
        }
    }

    private final AblationSetup setup;
    private final HfTokenizer tokenizer;

    ArmScorer(AblationSetup setup) {
        this.setup = setup;
        this.tokenizer = HfTokenizer.load(setup.tokenizer());
    }

    Score score(SparkSession spark, EvalModelSpec model) {
        long t0 = System.nanoTime();
        PerplexityJob.Result ppl = PipelineSteps.perplexity(spark, model, setup.validation(),
                setup.info().longContext());
        List<PasskeyJob.Generated> answers = PasskeyJob.run(spark, setup.trials(), new ModelDecoderFactory(model,
                AttentionSpec.FULL, new HadoopConf(spark.sparkContext().hadoopConfiguration())));
        PasskeyReport.Cell passkey = PasskeyReport.grade(setup.trials(), answers, this::decode, setup.buckets())
                .overall();
        return new Score(ppl.meanNll(), ppl.tokens(), passkey.accuracy(), passkey.correct(), passkey.trials(),
                (System.nanoTime() - t0) / 1e9);
    }

    /** The tokenizer is not shared between threads. */
    private synchronized String decode(int[] ids) {
        return tokenizer.decode(ids);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
