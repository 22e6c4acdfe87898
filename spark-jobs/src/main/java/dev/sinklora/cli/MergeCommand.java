package dev.sinklora.cli;

import dev.sinklora.merge.MergeJob;
import dev.sinklora.merge.MergeOutcome;
import dev.sinklora.merge.MergeSpec;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.io.safetensors.DType;
import dev.sinklora.model.io.safetensors.SafetensorsWriter;
import dev.sinklora.spark.HadoopConfs;
import dev.sinklora.spark.SparkSessions;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code sinklora merge}: folds LoRA adapters into a base model and writes Hugging Face checkpoints. One adapter
 * is merged right here; {@code --adapters} runs a Spark job with one task per adapter.
 */
@Command(name = "merge", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Merge PEFT LoRA adapters into a LLaMA base and write Hugging Face checkpoints: config.json "
                + "(with the RoPE scaling the adapter was trained with), model.safetensors (sharded with an index "
                + "past --max-shard-size) and the tokenizer files. Computed in FP32 one tensor at a time, checked "
                + "for NaN/Inf, written under a temporary name and renamed when complete.",
                "Paths may be local paths or hdfs:// / s3a:// URIs. Prints one JSON object per export on stdout."})
public final class MergeCommand implements Callable<Integer> {

    @Option(names = "--base", required = true, paramLabel = "DIR", description = "HF base model directory")
    String base;

    static final class Adapters {
        @Option(names = "--adapter", required = true, paramLabel = "DIR",
                description = "one PEFT adapter directory, merged in this process into --out")
        String adapter;

        @Option(names = "--adapters", required = true, split = ",", paramLabel = "URI",
                description = "adapter directories and/or run directories of step-* checkpoints, comma "
                        + "separated; exported on Spark, one task each, into --out/<name>")
        List<String> adapters;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Adapters which;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "output checkpoint directory (with --adapters: the parent of one directory per adapter)")
    String out;

    @Option(names = "--dtype", paramLabel = "F32|F16|BF16",
            description = "output dtype (default: the base checkpoint's)")
    String dtype;

    @Option(names = "--max-shard-size", defaultValue = "5GB", paramLabel = "SIZE",
            description = "largest safetensors shard, e.g. 500MB, 5GB, 4GiB (default: ${DEFAULT-VALUE})")
    String maxShardSize;

    @Option(names = "--overwrite", description = "replace an existing output directory (default: refuse, unless it is empty)")
    boolean overwrite;

    @Option(names = "--rope-factor", paramLabel = "F",
            description = "linear RoPE factor to write into config.json instead of the one the adapter recorded "
                    + "in sinklora.json (default: the adapter's; the base's if it recorded none)")
    Double ropeFactor;

    @Override
    public Integer call() throws Exception {
        if (ropeFactor != null && (!(ropeFactor > 0) || ropeFactor.isInfinite())) {
            throw new BadInputException("--rope-factor must be a positive number, got " + ropeFactor);
        }
        long maxShardBytes;
        try {
            maxShardBytes = SafetensorsWriter.parseSize(maxShardSize);
        } catch (BadInputException e) {
            throw new BadInputException("--max-shard-size: " + e.getMessage());
        }
        MergeSpec template = new MergeSpec(null, base, null, out, parseDtype(dtype), maxShardBytes, overwrite,
                ropeFactor);
        PrintStream stdout = System.out;
        if (which.adapter != null) {
            MergeSpec spec = new MergeSpec(null, base, which.adapter, out, template.dtype(),
                    template.maxShardBytes(), overwrite, ropeFactor);
            stdout.println(MergeJob.mergeOne(HadoopConfs.current(), spec).toJson());
            return 0;
        }
        List<MergeOutcome> outcomes;
        try (SparkSessions session = SparkSessions.forCommand("merge", BuildInfo.nd4jBackend())) {
            Configuration conf = new Configuration(session.get().sparkContext().hadoopConfiguration());
            outcomes = MergeJob.mergeAll(session.get(), conf, which.adapters, template);
        }
        int failed = 0;
        for (MergeOutcome o : outcomes) {
            stdout.println(o.toJson());
            if (!o.ok()) {
                failed++;
                System.err.println("sinklora merge: error: " + o.name() + ": " + o.error());
            }
        }
        stdout.printf("{\"exported\":%d,\"failed\":%d}%n", outcomes.size() - failed, failed);
        return failed == 0 ? 0 : 1;
    }

    private static String parseDtype(String s) {
        if (s == null) {
            return null;
        }
        try {
            return DType.parse(s.toUpperCase(java.util.Locale.ROOT)).name();
        } catch (BadInputException e) {
            throw new BadInputException("--dtype: " + e.getMessage());
        }
    }
}
