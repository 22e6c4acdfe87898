package dev.sinklora.merge;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.io.ModelDirectory;
import dev.sinklora.model.lora.MergeExporter;
import dev.sinklora.model.lora.PeftAdapterConfig;
import dev.sinklora.spark.HadoopConf;
import dev.sinklora.spark.HadoopModelDirectory;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The merge/export job: one adapter merged in the calling JVM ({@link #mergeOne}), or many exported by Spark with
 * one task per adapter ({@link #mergeAll}). Every read and write goes through Hadoop {@code FileSystem}, so base,
 * adapters and outputs may be on {@code file://}, {@code hdfs://} or {@code s3a://}.
 */
public final class MergeJob {

    /** Prefix of the checkpoint directories in a training run directory. */
    public static final String STEP_PREFIX = "step-";

    private MergeJob() {
    }

    /** Merges one adapter; bad input is thrown, as a {@link BadInputException} naming the file or tensor. */
    public static MergeOutcome mergeOne(Configuration conf, MergeSpec spec) throws IOException {
        long t0 = System.nanoTime();
        HadoopModelDirectory adapter = HadoopModelDirectory.of(spec.adapter(), conf);
        MergeExporter.Result r = MergeExporter.export(HadoopModelDirectory.of(spec.base(), conf), adapter,
                HadoopModelDirectory.of(spec.out(), conf), spec.options());
        String name = spec.name() != null ? spec.name() : adapter.name();
        return MergeOutcome.success(name, adapter.describe(), r, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Exports every adapter on Spark, one task each, into {@code outParent/<name>}. An export that fails on bad
     * input is reported in its outcome (and not retried); the others still run.
     *
     * @param template base, output parent (as {@code out}) and options; name and adapter are ignored
     */
    public static List<MergeOutcome> mergeAll(SparkSession spark, Configuration conf, List<String> adapterUris,
                                              MergeSpec template) throws IOException {
        List<MergeSpec> specs = plan(conf, adapterUris, template);
        HadoopConf shipped = new HadoopConf(conf);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        jsc.setJobDescription("sinklora merge: " + specs.size() + " adapter(s) into " + template.out());
        return new ArrayList<>(jsc.parallelize(specs, specs.size()).map(new Task(shipped)).collect());
    }

    /** One export on an executor (a class rather than a lambda: serialized lambdas broke deserialization here). */
    private static final class Task implements Function<MergeSpec, MergeOutcome> {
        private static final long serialVersionUID = 1L;
        private final HadoopConf conf;

        Task(HadoopConf conf) {
            this.conf = conf;
        }

        @Override
        public MergeOutcome call(MergeSpec spec) throws IOException {
            long t0 = System.nanoTime();
            try {
                return mergeOne(conf.get(), spec);
            } catch (BadInputException e) {
                return MergeOutcome.failure(spec, e.getMessage(), (System.nanoTime() - t0) / 1e9);
            }
        }
    }

    /**
     * One spec per adapter, named after its directory, with every URI qualified: each URI is an adapter directory (has
     * {@code adapter_config.json}) or a run directory whose {@code step-*} subdirectories are adapters (directly, or
     * in an {@code adapter/} subdirectory).
     *
     * @throws BadInputException for a URI that is neither, or two adapters that would export to the same name
     */
    public static List<MergeSpec> plan(Configuration conf, List<String> adapterUris, MergeSpec template)
            throws IOException {
        if (adapterUris.isEmpty()) {
            throw new BadInputException("--adapters: no adapters given");
        }
        ModelDirectory outParent = HadoopModelDirectory.of(template.out(), conf);
        // qualified here, on the driver: an executor would resolve a relative path in its own working directory
        String base = HadoopModelDirectory.of(template.base(), conf).describe();
        Map<String, String> byName = new HashMap<>();
        List<MergeSpec> specs = new ArrayList<>();
        for (String uri : adapterUris) {
            for (Map.Entry<String, ModelDirectory> a : resolve(conf, uri).entrySet()) {
                String previous = byName.putIfAbsent(a.getKey(), a.getValue().describe());
                if (previous != null) {
                    throw new BadInputException("--adapters: " + previous + " and " + a.getValue().describe()
                            + " would both export to " + outParent.child(a.getKey()).describe()
                            + "; merge them in separate runs");
                }
                specs.add(new MergeSpec(a.getKey(), base, a.getValue().describe(),
                        outParent.child(a.getKey()).describe(), template.dtype(), template.maxShardBytes(),
                        template.overwrite(), template.ropeFactor()));
            }
        }
        return specs;
    }

    /** Export name to adapter directory, in name order, for one {@code --adapters} entry. */
    private static Map<String, ModelDirectory> resolve(Configuration conf, String uri) throws IOException {
        HadoopModelDirectory dir = HadoopModelDirectory.of(uri, conf);
        Map<String, ModelDirectory> out = new java.util.TreeMap<>();
        if (!dir.isDirectory()) {
            throw new BadInputException(dir.describe() + ": adapter or run directory does not exist");
        }
        if (dir.hasFile(PeftAdapterConfig.FILE_NAME)) {
            out.put(dir.name(), dir);
            return out;
        }
        for (String sub : dir.listDirectories()) {
            if (!sub.startsWith(STEP_PREFIX)) {
                continue;
            }
            ModelDirectory step = dir.child(sub);
            ModelDirectory nested = step.child("adapter");
            if (step.hasFile(PeftAdapterConfig.FILE_NAME)) {
                out.put(sub, step);
            } else if (nested.hasFile(PeftAdapterConfig.FILE_NAME)) {
                out.put(sub, nested);
            } else {
                throw new BadInputException(step.describe() + ": checkpoint has no " + PeftAdapterConfig.FILE_NAME
                        + " (nor adapter/" + PeftAdapterConfig.FILE_NAME + ")");
            }
        }
        if (out.isEmpty()) {
            throw new BadInputException(dir.describe() + ": neither a PEFT adapter directory (no "
                    + PeftAdapterConfig.FILE_NAME + ") nor a run directory with " + STEP_PREFIX + "* checkpoints");
        }
        return out;
    }
}
