package dev.sinklora.prep.sft;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.tokenizer.HfTokenizer;
import dev.sinklora.prep.DatasetSplit;
import dev.sinklora.prep.TokenizerInfo;
import dev.sinklora.prep.io.DataPaths;
import dev.sinklora.prep.io.InputFile;
import dev.sinklora.prep.io.InputFormat;
import dev.sinklora.prep.io.InputPlanner;
import dev.sinklora.prep.io.InputSplit;
import dev.sinklora.prep.io.StagedOutput;
import dev.sinklora.prep.record.RawRecord;
import dev.sinklora.prep.spark.ProgressListener;
import dev.sinklora.prep.spark.RejectedSink;
import dev.sinklora.prep.spark.ShardFile;
import dev.sinklora.prep.spark.ShardPartitioner;
import dev.sinklora.prep.spark.ShardWriter;
import dev.sinklora.prep.spark.TokenizerFiles;
import dev.sinklora.spark.HadoopConf;
import dev.sinklora.spark.SparkErrors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;

/**
 * {@code sinklora prep-sft}: LongAlpaca-style examples to rows of {@code input_ids} and
 * {@code labels} (-100 on the prompt), one example per row, unpadded, in input order.
 *
 * <ol>
 *   <li>Read each file (JSON array or JSONL) as raw records keyed by (file, record number).</li>
 *   <li>Shuffle whole blocks of 1024 records over the cores (a single JSON array file would
 *       otherwise be tokenized by one task); encode; cache.</li>
 *   <li>Count per block; write rejected records; fail past {@code --max-rejected-fraction}.</li>
 *   <li>Number kept examples in input order (prefix sums over blocks), shuffle to shards by row
 *       number, write; commit with the manifest last.</li>
 * </ol>
 */
public final class PrepSftJob {
    private static final Logger LOG = LoggerFactory.getLogger(PrepSftJob.class);
    /** Estimated Parquet bytes per token (input_ids + labels, dictionary-encoded), to aim at --shard-mb. */
    static final double PARQUET_BYTES_PER_TOKEN = 4.0;

    private final SparkSession spark;
    private final JavaSparkContext jsc;
    private final Configuration conf;
    private final PrepSftOptions o;

    private PrepSftJob(SparkSession spark, PrepSftOptions o) {
        this.spark = spark;
        this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        this.conf = spark.sparkContext().hadoopConfiguration();
        this.o = o;
    }

    /** Runs the job; returns the manifest written (or found, with {@code --skip-if-done}). */
    public static SftManifest run(SparkSession spark, PrepSftOptions options) {
        try {
            return new PrepSftJob(spark, options).execute();
        } catch (Exception e) {
            throw SparkErrors.unwrap(e);
        }
    }

    private SftManifest execute() {
        long t0 = System.nanoTime();
        TokenizerFiles tf = TokenizerFiles.load(o.tokenizer(), conf);
        Map<String, String> fingerprint = o.fingerprint(conf, tf.sha256());
        StagedOutput out = StagedOutput.open(o.out(), o.overwrite(), o.skipIfDone(), fingerprint, conf);
        if (out.alreadyDone()) {
            LOG.info("prep-sft: {} is already finished with the same options; nothing to do (--skip-if-done)",
                    out.finalPath());
            try {
                return SftManifest.fromJson(DataPaths.readAll(out.manifestPath(), conf), out.manifestPath().toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        TokenizerInfo tokenizer;
        try (HfTokenizer t = tf.open()) {
            tokenizer = TokenizerInfo.of(t);
            LOG.info("prep-sft: tokenizer {}", t);
        }
        List<InputFile> files = InputPlanner.listFiles(o.inputs(), null, true, conf);
        for (InputFile f : files) {
            if (f.format() != InputFormat.JSONL && f.format() != InputFormat.JSON_ARRAY) {
                throw new BadInputException("--input: " + f.path() + " is " + f.format().name().toLowerCase(java.util.Locale.ROOT)
                        + "; prep-sft reads a JSON array or JSONL of {instruction, input?, output}");
            }
        }
        List<InputSplit> splits = InputPlanner.split(files, Long.MAX_VALUE);
        int partitions = Math.max(1, jsc.defaultParallelism() * 4);
        LOG.info("prep-sft: {} input files ({} MB), encoded in {} partitions -> {} (staging {})", files.size(),
                files.stream().mapToLong(InputFile::length).sum() >> 20, partitions, out.finalPath(), out.staging());

        out.createStaging();
        ProgressListener progress = new ProgressListener("prep-sft", 15_000);
        spark.sparkContext().addSparkListener(progress);
        Broadcast<TokenizerFiles> btok = jsc.broadcast(tf);
        Broadcast<HadoopConf> bconf = jsc.broadcast(new HadoopConf(conf));
        JavaPairRDD<Long, RawRecord> raw = JavaPairRDD.fromJavaRDD(
                jsc.parallelize(splits, splits.size()).mapPartitions(new ReadRecords(bconf)));
        JavaRDD<SftItem> items = raw
                .repartitionAndSortWithinPartitions(new RecordKeys.BlockPartitioner(partitions))
                .mapPartitions(new EncodeExamples(btok, o))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            jsc.setJobDescription("prep-sft: read and encode " + files.size() + " files");
            List<BlockStats> blocks = new ArrayList<>(items.mapPartitions(BlockStats::of).collect());
            blocks.sort(Comparator.comparingLong(b -> b.block));
            BlockStats total = BlockStats.total(blocks);
            if (total.records == 0) {
                throw new BadInputException("--input: no records in " + files.size() + " input files");
            }
            jsc.setJobDescription("prep-sft: write rejected records");
            Path rejectedDir = new Path(out.staging(), "rejected");
            RejectedSink.write(spark, items.filter(i -> i.kind == SftItem.Kind.REJECTED).map(i -> i.rejected),
                    total.rejected, new long[splits.size()], splits, rejectedDir, conf);
            if (total.rejected > o.maxRejectedFraction() * total.records) {
                out.keepStaging(); // the message points the user at the rejected records there
                throw new BadInputException(String.format("%d of %d records rejected (%.2f%%), more than "
                                + "--max-rejected-fraction %s; by reason: %s; the rejected records (with file, line "
                                + "and reason) are in %s", total.rejected, total.records,
                        100.0 * total.rejected / total.records, o.maxRejectedFraction(), total.rejectedByReason,
                        rejectedDir));
            }
            Map<String, SftManifest.Split> perSplit = new LinkedHashMap<>();
            for (DatasetSplit d : DatasetSplit.values()) {
                perSplit.put(d.dirName(), write(d, items, blocks, total, out.staging()));
            }
            long examples = total.examples[0] + total.examples[1];
            long prompt = total.promptTokens[0] + total.promptTokens[1];
            long target = total.targetTokens[0] + total.targetTokens[1];
            SftManifest manifest = new SftManifest(SftManifest.FORMAT, 1, Instant.now().toString(), fingerprint,
                    o.inputs(),
                    files.size(), o.template().cliName(), o.systemPrompt(), o.maxLen(), o.onOverflow().cliName(),
                    o.seed(), o.valFraction(), tokenizer, SftEncoder.IGNORE_INDEX,
                    "input_ids: array<int32>, labels: array<int32> (-100 = no loss), length: int32, "
                            + "prompt_length: int32", total.records, examples, total.rejected,
                    total.rejectedByReason, total.dropped, total.truncated[0] + total.truncated[1], prompt + target,
                    prompt, target, examples, perSplit);
            out.commit(manifest.toJson());
            LOG.info("prep-sft: done in {} s: {} records -> {} examples ({} rejected, {} dropped, {} truncated), "
                            + "{} prompt + {} target tokens; wrote {}",
                    String.format("%.1f", (System.nanoTime() - t0) / 1e9), total.records, examples, total.rejected,
                    total.dropped, manifest.truncated(), prompt, target, out.finalPath());
            return manifest;
        } catch (Exception e) { // Spark's checked SparkException too (rethrown as is)
            out.discard();
            throw e;
        } finally {
            items.unpersist(false);
            jsc.setJobDescription(null);
            spark.sparkContext().removeSparkListener(progress);
        }
    }

    private SftManifest.Split write(DatasetSplit d, JavaRDD<SftItem> items, List<BlockStats> blocks, BlockStats total,
                                    Path staging) {
        int di = d.ordinal();
        long rows = total.examples[di];
        long tokens = total.promptTokens[di] + total.targetTokens[di];
        Path dir = new Path(staging, d.dirName());
        List<ShardFile> shardFiles = List.of();
        if (rows > 0) {
            double avgTokens = (double) tokens / rows;
            long rowsPerShard = Math.max(1, (long) (o.shardBytes() / (avgTokens * PARQUET_BYTES_PER_TOKEN)));
            int shards = Math.toIntExact((rows + rowsPerShard - 1) / rowsPerShard);
            long[] ids = new long[blocks.size()];
            long[] starts = new long[blocks.size()];
            long acc = 0;
            for (int i = 0; i < blocks.size(); i++) {
                ids[i] = blocks.get(i).block;
                starts[i] = acc;
                acc += blocks.get(i).examples[di];
            }
            JavaRDD<SftRow> sorted = JavaPairRDD.fromJavaRDD(items.mapPartitions(new NumberRows(d, ids, starts)))
                    .repartitionAndSortWithinPartitions(new ShardPartitioner(rowsPerShard, shards, "row"))
                    .values();
            Dataset<Row> df = spark.createDataset(sorted.rdd(), Encoders.bean(SftRow.class))
                    .select(col("inputIds").as("input_ids"), col("labels"), col("length"),
                            col("promptLength").as("prompt_length"));
            jsc.setJobDescription("prep-sft: write " + d.dirName() + " (" + shards + " shards)");
            shardFiles = ShardWriter.writeParquet(df, dir, d.dirName(), conf);
            long written = shardFiles.stream().mapToLong(ShardFile::rows).sum();
            if (written != rows) {
                throw new IllegalStateException(d.dirName() + ": planned " + rows + " rows, wrote " + written);
            }
        } else {
            try {
                DataPaths.fs(dir, conf).mkdirs(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new SftManifest.Split(rows, total.truncated[di], tokens, total.promptTokens[di],
                total.targetTokens[di], rows, shardFiles);
    }
}
