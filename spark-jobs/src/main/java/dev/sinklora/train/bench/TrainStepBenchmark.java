package dev.sinklora.train.bench;

import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.lora.AdapterTrainingInfo;
import dev.sinklora.model.lora.LoraAdapter;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.lora.LoraInit;
import dev.sinklora.train.Dl4jParameterAveragingTrainer;
import dev.sinklora.train.FrozenBaseCache;
import dev.sinklora.train.SinkLoraLayer;
import dev.sinklora.train.TrainJob;
import dev.sinklora.train.TrainOptions;
import dev.sinklora.train.TrainableParams;
import org.apache.spark.api.java.JavaSparkContext;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Times LoRA training steps of one (sequence length, attention mode) case through the real
 * training path: the {@link SinkLoraLayer} network that {@code sinklora train} builds
 * ({@link TrainJob#networkConfig}: Adam, gradient clipping), fitted with {@code [1, N]} minibatches
 * of random tokens. Locally ({@code ComputationGraph.fit}) for the per-step time; then, when a Spark
 * context is given, whole parameter-averaging rounds through {@link Dl4jParameterAveragingTrainer}
 * to show what the distributed path adds. Out-of-memory (a Java {@code OutOfMemoryError} or ND4J's
 * "Allocation failed") is reported in the outcome, not thrown; memory is the peak resident set size.
 */
public final class TrainStepBenchmark {

    /**
     * What every case shares. {@code memoryBudgetBytes}: averaging rounds are skipped when the local
     * step's memory, once per worker, would exceed it (in local mode every worker is in this JVM).
     */
    public record Settings(String baseUri, LoraConfig lora, int warmup, int steps, int sparkRounds,
                           int averagingFrequency, long memoryBudgetBytes, long seed) {
    }

    /** Local steps: each timed step's wall time, their median, the last loss and the peak resident memory. */
    public record Local(List<Double> stepMillis, double medianMillis, double lastLoss, long peakRssBytes) {
    }

    /**
     * Parameter-averaging rounds: {@code workers} network copies each fitting {@code averagingFrequency}
     * minibatches, then one average; each timed round's wall time (after one warm-up round). When
     * {@code skipped} is not null, no round ran and it says why.
     */
    public record Spark(int workers, int averagingFrequency, List<Double> roundMillis, double medianRoundMillis,
                        long peakRssBytes, String skipped) {
        public long tokensPerRound(int n) {
            return (long) workers * averagingFrequency * n;
        }
    }

    /**
     * One case. {@code local} is null when it failed ({@code error} says why); {@code spark} is null
     * when no Spark context was given, no rounds were asked for, or the local steps failed.
     * {@code baselineRssBytes}: resident memory before the case.
     */
    public record Outcome(int n, AttentionPattern pattern, double ropeFactor, TrainStepFlops flops, Local local,
                          Spark spark, long baselineRssBytes, String error) {
    }

    private TrainStepBenchmark() {
    }

    /** @param sc the Spark context for averaging rounds, or null for local steps only */
    public static Outcome run(Settings s, AttentionMode mode, int n, JavaSparkContext sc) {
        LlamaModel base = FrozenBaseCache.get(s.baseUri());
        LlamaConfig c = base.config();
        double ropeFactor = TrainJob.defaultRopeFactor(c, n);
        AttentionPattern pattern = AttentionPattern.of(mode, n, null, null);
        TrainStepFlops flops = TrainStepFlops.count(c, s.lora(), pattern, 1, n);
        releaseMemory();
        long baseline = Pointer.physicalBytes();
        Local local = null;
        Spark spark = null;
        String error = null;
        try {
            local = timeLocal(network(s, base, pattern, n, ropeFactor), batches(c, n, s.warmup() + s.steps(), s.seed()),
                    s.warmup());
            releaseMemory();
            if (sc != null && s.sparkRounds() > 0) {
                int workers = sc.defaultParallelism();
                long need = baseline + workers * Math.max(0, local.peakRssBytes() - baseline);
                if (need > s.memoryBudgetBytes()) {
                    spark = new Spark(workers, s.averagingFrequency(), List.of(), Double.NaN, 0, String.format(
                            "%d workers in this JVM would need about %.1f GiB (%d x this step's %.1f GiB), over the"
                                    + " %.1f GiB budget", workers, need / GIB, workers,
                            (local.peakRssBytes() - baseline) / GIB, s.memoryBudgetBytes() / GIB));
                } else {
                    spark = timeSpark(s, sc, network(s, base, pattern, n, ropeFactor), c, n);
                }
            }
        } catch (OutOfMemoryError e) {
            error = "out of memory: " + e.getMessage();
        } catch (RuntimeException e) {
            if (!isAllocationFailure(e)) {
                throw e;
            }
            error = "out of memory (ND4J allocation failed): " + e.getMessage();
        } finally {
            releaseMemory();
        }
        return new Outcome(n, pattern, ropeFactor, flops, local, spark, baseline, error);
    }

    private static final double GIB = 1024.0 * 1024 * 1024;

    /** ND4J reports a failed native allocation as a RuntimeException "Allocation failed: [...]". */
    static boolean isAllocationFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError || (t.getMessage() != null && t.getMessage().contains("Allocation failed"))) {
                return true;
            }
        }
        return false;
    }

    /** The network {@code sinklora train} would build for this case, LoRA initialised as train does. */
    static ComputationGraph network(Settings s, LlamaModel base, AttentionPattern pattern, int n, double ropeFactor) {
        TrainOptions o = new TrainOptions(s.baseUri(), "(bench-train: no data)", "(bench-train: no output)",
                pattern.mode(), n, null, null, ropeFactor, s.lora(), 2e-5, 20, 0.0, null, null, 1,
                s.averagingFrequency(), null, 200, false, false, s.seed());
        SinkLoraLayer layer = TrainJob.layer(o, s.baseUri(), n, pattern, ropeFactor);
        ComputationGraph net = new ComputationGraph(TrainJob.networkConfig(o, layer));
        net.init();
        try {
            LoraAdapter init = LoraInit.create(base.config(), layer.loraConfig(), s.seed(),
                    name -> base.weights().get(name), new AdapterTrainingInfo(ropeFactor, pattern, n));
            new TrainableParams(base.config(), layer.loraConfig()).assign(init, TrainJob.paramTable(net));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return net;
    }

    /** {@code count} minibatches {@code [1, n]} of random tokens; targets = the next token, none at the end. */
    static List<DataSet> batches(LlamaConfig c, int n, int count, long seed) {
        Random rnd = new Random(seed);
        List<DataSet> out = new ArrayList<>(count);
        for (int b = 0; b < count; b++) {
            float[] ids = new float[n];
            float[] targets = new float[n];
            for (int t = 0; t < n; t++) {
                ids[t] = rnd.nextInt(c.vocabSize());
            }
            for (int t = 0; t < n; t++) {
                targets[t] = t + 1 < n ? ids[t + 1] : SinkLoraLayer.IGNORE;
            }
            out.add(new DataSet(Nd4j.create(ids, new long[]{1, n}, 'c').castTo(DataType.FLOAT),
                    Nd4j.create(targets, new long[]{1, n}, 'c').castTo(DataType.FLOAT)));
        }
        return out;
    }

    private static Local timeLocal(ComputationGraph net, List<DataSet> batches, int warmup) {
        List<Double> millis = new ArrayList<>();
        double loss = Double.NaN;
        try (PeakMemorySampler memory = PeakMemorySampler.start(20)) {
            for (int i = 0; i < batches.size(); i++) {
                long t0 = System.nanoTime();
                net.fit(batches.get(i));
                double ms = (System.nanoTime() - t0) / 1e6;
                loss = net.score();
                if (!Double.isFinite(loss)) {
                    throw new IllegalStateException("training loss became " + loss + " at step " + (i + 1));
                }
                if (i >= warmup) {
                    millis.add(ms);
                }
            }
            memory.close();
            return new Local(List.copyOf(millis), median(millis), loss, memory.peakPhysicalBytes());
        }
    }

    private static Spark timeSpark(Settings s, JavaSparkContext sc, ComputationGraph net, LlamaConfig c, int n) {
        int workers = sc.defaultParallelism();
        int f = s.averagingFrequency();
        Dl4jParameterAveragingTrainer trainer = new Dl4jParameterAveragingTrainer(sc, net, 1, f, workers);
        var round = sc.parallelize(batches(c, n, workers * f, s.seed() + 1), workers);
        List<Double> millis = new ArrayList<>();
        try (PeakMemorySampler memory = PeakMemorySampler.start(20)) {
            for (int r = -1; r < s.sparkRounds(); r++) { // one warm-up round
                sc.setJobDescription(String.format("bench-train N=%d round %d", n, r + 2));
                long t0 = System.nanoTime();
                trainer.fitRound(round);
                double ms = (System.nanoTime() - t0) / 1e6;
                if (!Double.isFinite(trainer.lastLoss())) {
                    throw new IllegalStateException("averaged training loss became " + trainer.lastLoss());
                }
                if (r >= 0) {
                    millis.add(ms);
                }
            }
            memory.close();
            return new Spark(workers, f, List.copyOf(millis), median(millis), memory.peakPhysicalBytes(), null);
        }
    }

    static double median(List<Double> xs) {
        return SgemmBenchmark.median(xs.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Lets the garbage collector free the last case's off-heap arrays before the next is measured. */
    private static void releaseMemory() {
        System.gc();
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
