package dev.sinklora.eval;

import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.eval.PerplexityWindow;
import dev.sinklora.model.lora.AdaptedModel;
import dev.sinklora.model.score.SequenceScorer;
import dev.sinklora.spark.HadoopConf;
import dev.sinklora.spark.SparkErrors;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;

/**
 * Scores perplexity windows on Spark: the windows travel as small descriptors, the token stream as one broadcast,
 * and each task scores its windows one at a time with the model of its executor ({@link EvalModels}: base weights
 * loaded once per executor JVM). Each window returns its NLL sum and count; the driver adds them up in window
 * order, so the result does not depend on partitioning.
 */
public final class PerplexityJob {

    private PerplexityJob() {
    }

    /** What one window contributes. */
    public record WindowScore(int index, double nllSum, int count) implements Serializable {
    }

    /** Sums over the windows of one evaluation length. */
    public record Result(int windows, long tokens, double nllSum, double seconds) {
        public double meanNll() {
            return nllSum / tokens;
        }

        public double ppl() {
            return Math.exp(meanNll());
        }
    }

    /**
     * Scores {@code windows} (all of the same length) of {@code stream}.
     *
     * @param stream the broadcast token stream the windows index into
     */
    public static Result run(SparkSession spark, Configuration conf, EvalModelSpec model, AttentionSpec attention,
                             Broadcast<int[]> stream, List<PerplexityWindow> windows) {
        long t0 = System.nanoTime();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int slices = Math.max(1, Math.min(windows.size(), 4 * jsc.defaultParallelism()));
        jsc.setJobDescription("sinklora eval-ppl: " + windows.size() + " windows of " + windows.get(0).length()
                + " tokens");
        List<WindowScore> scores;
        try {
            scores = new ArrayList<>(jsc.parallelize(windows, slices)
                    .mapPartitions(new ScoreWindows(model, attention, stream, new HadoopConf(conf)))
                    .collect());
        } catch (Exception e) {
            throw SparkErrors.unwrap(e);
        }
        scores.sort(Comparator.comparingInt(WindowScore::index));
        double sum = 0;
        long count = 0;
        for (WindowScore s : scores) {
            sum += s.nllSum();
            count += s.count();
        }
        return new Result(scores.size(), count, sum, (System.nanoTime() - t0) / 1e9);
    }

    /** The NLL sum of the targets {@code window} scores, read from {@code stream}. */
    public static WindowScore score(AdaptedModel m, AttentionPattern pattern, int[] stream, PerplexityWindow window) {
        int[] tokens = Arrays.copyOfRange(stream, window.begin(), window.end());
        double[] nll = SequenceScorer.tokenNlls(m.model(), tokens, pattern, m.projection());
        double sum = 0;
        for (int r = window.firstScoredRow(); r < nll.length; r++) {
            sum += nll[r];
        }
        return new WindowScore(window.index(), sum, window.scored());
    }

    /** One task: its windows, scored in order with the executor's model. */
    private static final class ScoreWindows implements FlatMapFunction<Iterator<PerplexityWindow>, WindowScore> {
        private static final long serialVersionUID = 1L;
        private final EvalModelSpec model;
        private final AttentionSpec attention;
        private final Broadcast<int[]> stream;
        private final HadoopConf conf;

        ScoreWindows(EvalModelSpec model, AttentionSpec attention, Broadcast<int[]> stream, HadoopConf conf) {
            this.model = model;
            this.attention = attention;
            this.stream = stream;
            this.conf = conf;
        }

        @Override
        public Iterator<WindowScore> call(Iterator<PerplexityWindow> windows) {
            if (!windows.hasNext()) {
                return java.util.Collections.emptyIterator();
            }
            AdaptedModel m = EvalModels.get(model, conf.get());
            int[] tokens = stream.value();
            List<WindowScore> out = new ArrayList<>();
            while (windows.hasNext()) {
                PerplexityWindow w = windows.next();
                out.add(score(m, attention.at(w.length()), tokens, w));
            }
            return out.iterator();
        }
    }
}
