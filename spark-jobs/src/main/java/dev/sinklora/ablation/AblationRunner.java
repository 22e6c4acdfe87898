package dev.sinklora.ablation;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.demo.PipelineSteps;
import dev.sinklora.eval.EvalModelSpec;
import dev.sinklora.model.BadInputException;
import dev.sinklora.train.TrainJob;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the ablation: the shared setup once ({@link AblationSetup}), the untuned base with and without position
 * interpolation scored once, then per seed and mode one fine-tune from the same base (TrainJob: same data order,
 * steps, learning rate, LoRA and RoPE factor; only the training attention differs) scored with full attention
 * ({@link ArmScorer}). Runs are independent Spark jobs, {@code parallel} of them submitted at once (a cluster runs them
 * side by side). Each run's result is written to {@code OUT/runs/<mode>-seed<s>/result.json}; with resume, finished
 * runs and the setup are reused.
 */
public final class AblationRunner {

    private static final Logger LOG = LoggerFactory.getLogger(AblationRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String RESULT = "result.json";
    static final String REFERENCES = "references.json";

    private AblationRunner() {
    }

    /** The untuned base's scores: without and with position interpolation. */
    record References(ArmScorer.Score base, ArmScorer.Score basePi) {
    }

    /** One fine-tune to run. */
    private record Unit(AblationMode mode, long seed) {
    }

    /** A finished ablation. */
    public record Result(AblationSetup setup, AblationSummary summary, double seconds, double cpuSeconds) {
    }

    public static Result run(SparkSession spark, AblationOptions o, boolean resume) throws IOException {
        long t0 = System.nanoTime();
        long cpu0 = processCpuNanos();
        AblationSetup setup = AblationSetup.build(spark, o, resume);
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        List<AblationRun> runs = new ArrayList<>();
        References refs;
        try (ArmScorer scorer = new ArmScorer(setup)) {
            refs = references(spark, setup, scorer, o, conf, resume);
            List<Unit> units = new ArrayList<>();
            for (long seed = 1; seed <= o.seeds(); seed++) {
                for (AblationMode m : o.modes()) {
                    units.add(new Unit(m, seed));
                }
            }
            AtomicInteger done = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(o.parallel());
            try {
                List<Future<AblationRun>> futures = new ArrayList<>();
                for (Unit u : units) {
                    futures.add(pool.submit(() -> {
                        AblationRun r = arm(spark, setup, scorer, o, u.mode(), u.seed(), conf, resume);
                        LOG.info(String.format(Locale.ROOT, "ablation: run %d/%d done: %s seed %d | ppl %.3f | "
                                        + "passkey %.2f | %.3f s/step | loss %.3f -> %.3f", done.incrementAndGet(),
                                units.size(), u.mode(), u.seed(), r.ppl(), r.passkeyAccuracy(), r.secondsPerStep(),
                                r.lossFirst(), r.lossLast()));
                        return r;
                    }));
                }
                for (Future<AblationRun> f : futures) {
                    runs.add(f.get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof RuntimeException re) {
                    throw re;
                }
                if (c instanceof IOException io) {
                    throw io;
                }
                throw new IllegalStateException(c);
            } finally {
                pool.shutdownNow();
            }
        }
        AblationSummary summary = AblationSummary.of(refs.base(), refs.basePi(), o.modes(), runs);
        return new Result(setup, summary, (System.nanoTime() - t0) / 1e9, (processCpuNanos() - cpu0) / 1e9);
    }

    private static References references(SparkSession spark, AblationSetup setup, ArmScorer scorer, AblationOptions o,
                                         Configuration conf, boolean resume) throws IOException {
        Path file = o.out().resolve("setup").resolve(REFERENCES);
        if (resume && Files.exists(file)) {
            return JSON.readValue(file.toFile(), References.class);
        }
        ArmScorer.Score base = scorer.score(spark, EvalModelSpec.of(setup.base().toString(), null, 1.0, conf));
        ArmScorer.Score pi = scorer.score(spark, EvalModelSpec.of(setup.base().toString(), null,
                (double) o.factor(), conf));
        LOG.info(String.format(Locale.ROOT, "ablation: untuned base at %d tokens: ppl %.3f (no PI), %.3f (PI x%d); "
                        + "passkey %.2f, %.2f", o.longContext(), base.ppl(), pi.ppl(), o.factor(),
                base.passkeyAccuracy(), pi.passkeyAccuracy()));
        References refs = new References(base, pi);
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), refs);
        return refs;
    }

    private static AblationRun arm(SparkSession spark, AblationSetup setup, ArmScorer scorer, AblationOptions o,
                                   AblationMode mode, long seed, Configuration conf, boolean resume) {
        Path dir = o.out().resolve("runs").resolve(AblationRun.folder(mode, seed));
        Path result = dir.resolve(RESULT);
        try {
            if (resume && Files.exists(result)) {
                AblationRun done = JSON.readValue(result.toFile(), AblationRun.class);
                if (done.steps() != o.steps()) {
                    throw new BadInputException("--resume: " + result + " trained " + done.steps() + " steps, not --steps "
                            + o.steps() + "; use another --out or the same --steps");
                }
                return done;
            }
            TrainJob.Result t = TrainJob.run(spark, PipelineSteps.fineTune(setup.base(), setup.dataLong(), dir,
                    mode.attention(), mode.sinkTokens(), o.steps(), seed));
            if (Math.abs(t.ropeFactor() - o.factor()) > 1e-9) {
                throw new IllegalStateException("run " + dir + " trained with RoPE factor " + t.ropeFactor()
                        + ", not " + o.factor());
            }
            ArmScorer.Score s = scorer.score(spark, EvalModelSpec.of(setup.base().toString(),
                    dir.resolve("final").toString(), null, conf));
            AblationRun run = new AblationRun(mode.cliName(), t.pattern().toString(), seed, t.steps(), t.seconds(),
                    t.firstLoss(), t.lastLoss(), s.meanNll(), s.tokens(), s.passkeyAccuracy(), s.passkeyTrials(),
                    s.seconds());
            JSON.writerWithDefaultPrettyPrinter().writeValue(result.toFile(), run);
            return run;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** CPU time of this JVM (driver and, in local mode, the executors), in nanoseconds; -1 if unknown. */
    static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }
}
