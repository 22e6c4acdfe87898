package dev.sinklora.bench;

import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.lora.AdapterTrainingInfo;
import dev.sinklora.model.lora.LoraAdapter;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.lora.LoraInit;
import dev.sinklora.model.memory.PeakMemorySampler;
import dev.sinklora.spark.FrozenBaseCache;
import dev.sinklora.train.Dl4jParameterAveragingTrainer;
import dev.sinklora.train.RecomputeMode;
import dev.sinklora.train.SinkLoraLayer;
import dev.sinklora.train.TrainJob;
import dev.sinklora.train.TrainableParams;
import dev.sinklora.train.config.ModelConfig;
import dev.sinklora.train.config.OptimizerConfig;
import org.apache.spark.api.java.JavaSparkContext;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Times LoRA training steps of one (sequence length, attention mode) case through the real
 * training path: the {@link SinkLoraLayer} network that {@code sinklora train} builds
 * ({@link TrainJob#networkConfig}: Adam, gradient clipping), fitted with {@code [1, N]} minibatches
 * of random tokens, with the layer's recomputation mode ({@link RecomputeMode}). Locally ({@code ComputationGraph.fit}, {@link #runLocal}) for the per-step time;
 * then whole parameter-averaging rounds through {@link Dl4jParameterAveragingTrainer}
 * ({@link #runSpark}) to show what the distributed path adds. Out-of-memory (a Java {@code OutOfMemoryError} or ND4J's
 * "Allocation failed") is reported in the outcome, not thrown; memory is the peak resident set size.
 */
public final class TrainStepBenchmark {

    /**
     * What every case shares. {@code memoryBudgetBytes}: a case's averaging rounds are skipped when its
     * workers' step memory would exceed it (in local mode every worker is in this JVM).
     */
    public record Settings(String baseUri, LoraConfig lora, OptimizerConfig optimizer, int warmup, int steps, int sparkRounds,
                           int averagingFrequency, long memoryBudgetBytes, long seed) {
    }

    /**
     * Local steps: each timed step's wall time, their median and the last loss; {@code coresUsed}: the
     * process's CPU time over the wall time of the timed steps (below the core count when other work
     * shares the cores). Memory: the process's peak resident set size during the steps (warm-up included),
     * the peak of ND4J's own count of its native bytes ({@link PeakMemorySampler#peakNd4jBytes}: its
     * off-heap arrays), and the bytes of the DL4J workspaces the steps left (the whole-graph layer's
     * SameDiff session runs in them).
     */
    public record Local(List<Double> stepMillis, double medianMillis, double lastLoss, double coresUsed,
                        long peakRssBytes, long peakNd4jBytes, long workspaceBytes) {
    }

    /**
     * Parameter-averaging rounds: {@code workers} network copies each fitting {@code averagingFrequency}
     * minibatches, then one average; each timed round's wall time (after one warm-up round) and the
     * process's peak RSS. When {@code skipped} is not null, no round ran and it says why.
     */
    public record Spark(int workers, int averagingFrequency, List<Double> roundMillis, double medianRoundMillis,
                        long peakRssBytes, String skipped) {
        public long tokensPerRound(int n) {
            return (long) workers * averagingFrequency * n;
        }

        static Spark notRun(int workers, int averagingFrequency, String why) {
            return new Spark(workers, averagingFrequency, List.of(), Double.NaN, 0, why);
        }
    }

    /**
     * One case. {@code local} is null when its steps failed ({@code error} says why); {@code spark} is
     * null until {@link #runSpark} ran for it. {@code baselineRssBytes}: resident memory before the case.
     */
    public record Outcome(int n, AttentionPattern pattern, RecomputeMode recompute, double ropeFactor,
                          TrainStepFlops flops, Local local, Spark spark, long baselineRssBytes, String error) {
        Outcome with(Spark s) {
            return new Outcome(n, pattern, recompute, ropeFactor, flops, local, s, baselineRssBytes, error);
        }
    }

    private TrainStepBenchmark() {
    }

    /** Times {@code s.warmup()} + {@code s.steps()} local steps of one case; the warm-up steps are not timed. */
    public static Outcome runLocal(Settings s, AttentionMode mode, int n, RecomputeMode recompute) {
        LlamaModel base = FrozenBaseCache.get(s.baseUri());
        LlamaConfig c = base.config();
        double ropeFactor = TrainJob.defaultRopeFactor(c, n);
        AttentionPattern pattern = AttentionPattern.of(mode, n, null, null);
        TrainStepFlops flops = TrainStepFlops.count(c, s.lora(), pattern, 1, n);
        releaseMemory();
        long baseline = Pointer.physicalBytes();
        try {
            Local local = timeLocal(network(s, base, pattern, n, ropeFactor, recompute),
                    batches(c, n, s.warmup() + s.steps(), s.seed()), s.warmup());
            return new Outcome(n, pattern, recompute, ropeFactor, flops, local, null, baseline, null);
        } catch (OutOfMemoryError | RuntimeException e) {
            return new Outcome(n, pattern, recompute, ropeFactor, flops, null, null, baseline, outOfMemory(e));
        } finally {
            releaseMemory();
        }
    }

    /**
     * Times {@code s.sparkRounds()} averaging rounds of a case whose local steps succeeded, after one
     * warm-up round; skipped when {@code workers} copies of the step's workspace memory would not fit
     * the budget next to what the process already holds.
     */
    public static Outcome runSpark(Settings s, Outcome o, JavaSparkContext sc) {
        int workers = sc.defaultParallelism();
        if (o.local() == null) {
            return o.with(Spark.notRun(workers, s.averagingFrequency(), "the local steps failed"));
        }
        releaseMemory();
        long need = Pointer.physicalBytes() + workers * o.local().workspaceBytes();
        if (need > s.memoryBudgetBytes()) {
            return o.with(Spark.notRun(workers, s.averagingFrequency(), String.format(
                    "%d workers in this JVM would need about %.1f GiB (%d x the step's %.2f GiB of workspaces on"
                            + " top of the process's %.1f GiB), over the %.1f GiB budget", workers, need / GIB,
                    workers, o.local().workspaceBytes() / GIB, Pointer.physicalBytes() / GIB,
                    s.memoryBudgetBytes() / GIB)));
        }
        LlamaModel base = FrozenBaseCache.get(s.baseUri());
        try {
            return o.with(timeSpark(s, sc, network(s, base, o.pattern(), o.n(), o.ropeFactor(), o.recompute()),
                    base.config(),
                    o.n()));
        } catch (OutOfMemoryError | RuntimeException e) {
            return o.with(Spark.notRun(workers, s.averagingFrequency(), "failed: " + outOfMemory(e)));
        } finally {
            releaseMemory();
        }
    }

    private static final double GIB = 1024.0 * 1024 * 1024;

    /** The report of an out-of-memory failure; anything else is rethrown. */
    private static String outOfMemory(Throwable e) {
        if (!isAllocationFailure(e)) {
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw (Error) e;
        }
        return "out of memory: " + e;
    }

    /**
     * Whether {@code e} is an out-of-memory failure: a Java {@code OutOfMemoryError} anywhere in the
     * cause chain, or ND4J's RuntimeException "Allocation failed: [...]" for a failed native allocation.
     */
    static boolean isAllocationFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError || (t.getMessage() != null && t.getMessage().contains("Allocation failed"))) {
                return true;
            }
        }
        return false;
    }

    /** The network {@code sinklora train} would build for this case, LoRA initialised as train does. */
    static ComputationGraph network(Settings s, LlamaModel base, AttentionPattern pattern, int n, double ropeFactor,
                                    RecomputeMode recompute) {
        ModelConfig model = new ModelConfig(s.baseUri(), pattern.mode(), null, null, ropeFactor, recompute)
                .resolved(s.baseUri(), pattern, ropeFactor);
        SinkLoraLayer layer = TrainJob.layer(model, s.lora(), n, 1);
        ComputationGraph net = new ComputationGraph(TrainJob.networkConfig(s.optimizer(), s.seed(), s.lora(),
                layer));
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
        long cpu = 0;
        try (PeakMemorySampler memory = PeakMemorySampler.start(20)) {
            for (int i = 0; i < batches.size(); i++) {
                long c0 = processCpuNanos();
                long t0 = System.nanoTime();
                net.fit(batches.get(i));
                double ms = (System.nanoTime() - t0) / 1e6;
                if (i >= warmup) {
                    cpu += processCpuNanos() - c0;
                }
                loss = net.score();
                if (!Double.isFinite(loss)) {
                    throw new IllegalStateException("training loss became " + loss + " at step " + (i + 1));
                }
                if (i >= warmup) {
                    millis.add(ms);
                }
            }
            memory.close();
            double wall = millis.stream().mapToDouble(Double::doubleValue).sum() * 1e6;
            return new Local(List.copyOf(millis), median(millis), loss, cpu / wall, memory.peakPhysicalBytes(),
                    memory.peakNd4jBytes(), workspaceBytes());
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

    /** CPU time of every thread of this process, or 0 where the JVM cannot tell. */
    static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return Math.max(0, os.getProcessCpuTime());
        }
        return 0;
    }

    static double median(List<Double> xs) {
        return SgemmBenchmark.median(xs.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Bytes of this thread's ND4J workspaces (DL4J sizes them to a step's needs after the first step). */
    static long workspaceBytes() {
        long bytes = 0;
        for (MemoryWorkspace ws : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            bytes += ws.getCurrentSize();
        }
        return bytes;
    }

    /**
     * Frees the last case's memory before the next is measured: this thread's workspaces (they keep
     * their largest size across networks otherwise) and, through the garbage collector, its arrays.
     */
    private static void releaseMemory() {
        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        System.gc();
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
