package dev.sinklora.eval;

import dev.sinklora.model.eval.Decoder;
import dev.sinklora.model.eval.PasskeyTrial;
import dev.sinklora.spark.SparkErrors;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.SparkSession;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Runs passkey trials as Spark tasks, one trial per task: each task opens its decoder (for the real model: the
 * executor's cached model) and greedily decodes as many tokens as the trial's answer. Only ids travel; the driver
 * decodes and grades them ({@link PasskeyReport}).
 */
public final class PasskeyJob {

    private PasskeyJob() {
    }

    /** What a task returns: the trial's position and the generated ids. */
    public record Generated(int length, int trial, int[] ids, double seconds) implements Serializable {
    }

    /** Decodes every trial; results in (length, trial) order. */
    public static List<Generated> run(SparkSession spark, List<PasskeyTrial> trials, DecoderFactory decoders) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        jsc.setJobDescription("sinklora passkey: " + trials.size() + " trials");
        List<Generated> out;
        try {
            out = new ArrayList<>(jsc.parallelize(trials, Math.max(1, trials.size()))
                    .map(new DecodeTrial(decoders)).collect());
        } catch (Exception e) {
            throw SparkErrors.unwrap(e);
        }
        out.sort(Comparator.comparingInt(Generated::length).thenComparingInt(Generated::trial));
        return out;
    }

    private static final class DecodeTrial implements Function<PasskeyTrial, Generated> {
        private static final long serialVersionUID = 1L;
        private final DecoderFactory decoders;

        DecodeTrial(DecoderFactory decoders) {
            this.decoders = decoders;
        }

        @Override
        public Generated call(PasskeyTrial t) {
            long t0 = System.nanoTime();
            Decoder d = decoders.open();
            int[] ids = d.generate(t.promptIds(), t.answerTokens());
            return new Generated(t.length(), t.trial(), ids, (System.nanoTime() - t0) / 1e9);
        }
    }
}
