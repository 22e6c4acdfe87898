package dev.sinklora.prep.corpus;

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
import dev.sinklora.prep.record.ParquetSchemas;
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
 * {@code sinklora prep-corpus}: tokenize whole documents, join each as BOS + tokens + EOS in input
 * order, and pack the stream into Parquet rows of exactly {@code seq_len} tokens, separately for
 * the train and validation documents.
 *
 * <ol>
 *   <li>Plan: list input files (sorted by URI), cut uncompressed JSONL into byte ranges.</li>
 *   <li>Tokenize (one task per split), cache the result; rejected records are kept with it.</li>
 *   <li>Count per split (tiny collect); write rejected records; fail past
 *       {@code --max-rejected-fraction}.</li>
 *   <li>Prefix-sum the per-split token counts, so each document knows its position in the
 *       global stream; cut documents at shard boundaries, shuffle to shards, sort by position,
 *       assemble rows, write shards. Rows are identical whatever the partitioning.</li>
 *   <li>Commit: move staged output into place, manifest last.</li>
 * </ol>
 */
public final class PrepCorpusJob {
    private static final Logger LOG = LoggerFactory.getLogger(PrepCorpusJob.class);

    /**
     * Estimated Parquet bytes per token, used to aim shards at {@code --shard-mb}: snappy with
     * dictionary encoding stores a 32k-vocabulary id in 1.4-2 bytes (1.38 measured on the
     * benchmark corpus; real text has more distinct ids).
     */
    static final double PARQUET_BYTES_PER_TOKEN = 1.6;

    private final SparkSession spark;
    private final JavaSparkContext jsc;
    private final Configuration conf;
    private final PrepCorpusOptions o;

    private PrepCorpusJob(SparkSession spark, PrepCorpusOptions o) {
        this.spark = spark;
        this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        this.conf = spark.sparkContext().hadoopConfiguration();
        this.o = o;
    }

    /** Runs the job; returns the manifest written (or found, with {@code --skip-if-done}). */
    public static CorpusManifest run(SparkSession spark, PrepCorpusOptions options) {
        try {
            return new PrepCorpusJob(spark, options).execute();
        } catch (Exception e) {
            throw SparkErrors.unwrap(e);
        }
    }

    private CorpusManifest execute() {
        long t0 = System.nanoTime();
        TokenizerFiles tf = TokenizerFiles.load(o.tokenizer(), conf);
        Map<String, String> fingerprint = o.fingerprint(conf, tf.sha256());
        StagedOutput out = StagedOutput.open(o.out(), o.overwrite(), o.skipIfDone(), fingerprint, conf);
        if (out.alreadyDone()) {
            LOG.info("prep-corpus: {} is already finished with the same options; nothing to do (--skip-if-done)",
                    out.finalPath());
            try {
                return CorpusManifest.fromJson(DataPaths.readAll(out.manifestPath(), conf), out.manifestPath().toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        TokenizerInfo tokenizer;
        try (HfTokenizer t = tf.open()) {
            tokenizer = TokenizerInfo.of(t);
            LOG.info("prep-corpus: tokenizer {}", t);
        }
        int padId = tokenizer.padId() != null ? tokenizer.padId() : tokenizer.eosId();

        List<InputFile> files = InputPlanner.listFiles(o.inputs(), o.format(), false, conf);
        for (InputFile f : files) {
            if (f.format() == InputFormat.PARQUET) {
                ParquetSchemas.checkTextColumn(f.path(), o.textField(), conf);
            }
        }
        long splitBytes = o.maxSplitBytes() > 0 ? o.maxSplitBytes()
                : InputPlanner.splitBytesFor(files, jsc.defaultParallelism());
        List<InputSplit> splits = InputPlanner.split(files, splitBytes);
        long inputBytes = files.stream().mapToLong(InputFile::length).sum();
        LOG.info("prep-corpus: {} input files ({} MB) in {} splits -> {} (staging {})", files.size(),
                inputBytes >> 20, splits.size(), out.finalPath(), out.staging());

        out.createStaging();
        ProgressListener progress = new ProgressListener("prep-corpus", 15_000);
        spark.sparkContext().addSparkListener(progress);
        Broadcast<TokenizerFiles> btok = jsc.broadcast(tf);
        Broadcast<HadoopConf> bconf = jsc.broadcast(new HadoopConf(conf));
        JavaRDD<CorpusItem> items = jsc.parallelize(splits, splits.size())
                .mapPartitions(new SplitTokenizer(btok, bconf, o.textField(), o.seed(), o.valFraction(), splits.size()))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            jsc.setJobDescription("prep-corpus: tokenize " + splits.size() + " splits");
            List<SplitStats> stats = new ArrayList<>(items.mapPartitions(SplitStats::of).collect());
            stats.sort(Comparator.comparingInt(s -> s.split));
            if (stats.size() != splits.size()) {
                throw new IllegalStateException("got counts for " + stats.size() + " of " + splits.size() + " splits");
            }
            SplitStats total = SplitStats.total(stats);
            long records = total.records();
            if (records == 0) {
                throw new BadInputException("--input: no records in " + files.size() + " input files (only blank lines?)");
            }
            jsc.setJobDescription("prep-corpus: write rejected records");
            Path rejectedDir = new Path(out.staging(), "rejected");
            RejectedSink.write(spark, items.filter(i -> i.kind == CorpusItem.Kind.REJECTED).map(i -> i.rejected),
                    total.rejected, lineOffsets(splits, stats), splits, rejectedDir, conf);
            if (total.rejected > o.maxRejectedFraction() * records) {
                out.keepStaging(); // the message points the user at the rejected records there
                throw new BadInputException(String.format("%d of %d records rejected (%.2f%%), more than "
                                + "--max-rejected-fraction %s; by reason: %s; the rejected records (with file, line "
                                + "and reason) are in %s", total.rejected, records, 100.0 * total.rejected / records,
                        o.maxRejectedFraction(), total.rejectedByReason, rejectedDir));
            }
            Map<String, CorpusManifest.SplitManifest> perSplit = new LinkedHashMap<>();
            for (DatasetSplit d : DatasetSplit.values()) {
                perSplit.put(d.dirName(), pack(d, items, stats, total, out.staging(), padId));
            }
            long sequences = perSplit.values().stream().mapToLong(CorpusManifest.SplitManifest::sequences).sum();
            CorpusManifest manifest = new CorpusManifest(CorpusManifest.FORMAT, 1, Instant.now().toString(),
                    fingerprint, o.inputs(), files.size(), inputBytes, o.textField(), o.seqLen(), o.seed(), o.valFraction(),
                    tokenizer, new CorpusManifest.Packing(tokenizer.bosId() != null, true,
                    o.lastRow().name().toLowerCase(java.util.Locale.ROOT), padId,
                    "input_ids: array<int32>[seq_len], doc_starts: array<int32>, length: int32"),
                    records, total.documents[0] + total.documents[1], total.rejected, total.rejectedByReason,
                    total.tokens[0] + total.tokens[1], sequences, perSplit);
            out.commit(manifest.toJson());
            LOG.info("prep-corpus: done in {} s: {} records -> {} documents ({} rejected), {} tokens, {} sequences "
                            + "(train {}, validation {}); wrote {}", String.format("%.1f", (System.nanoTime() - t0) / 1e9),
                    records, manifest.documents(), total.rejected, manifest.tokens(), sequences,
                    perSplit.get("train").sequences(), perSplit.get("validation").sequences(), out.finalPath());
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

    private CorpusManifest.SplitManifest pack(DatasetSplit d, JavaRDD<CorpusItem> items, List<SplitStats> stats,
                                              SplitStats total, Path staging, int padId) {
        int di = d.ordinal();
        int seqLen = o.seqLen();
        long packed = total.packedTokens[di];
        long rows = o.lastRow() == LastRow.PAD ? (packed + seqLen - 1) / seqLen : packed / seqLen;
        long kept = Math.min(packed, rows * seqLen);
        Path dir = new Path(staging, d.dirName());
        List<ShardFile> shardFiles = List.of();
        if (rows > 0) {
            long rowsPerShard = Math.max(1, (long) (o.shardBytes() / (seqLen * PARQUET_BYTES_PER_TOKEN)));
            int shards = Math.toIntExact((rows + rowsPerShard - 1) / rowsPerShard);
            long shardTokens = rowsPerShard * seqLen;
            long[] starts = new long[stats.size()];
            long acc = 0;
            for (SplitStats s : stats) {
                starts[s.split] = acc;
                acc += s.packedTokens[di];
            }
            JavaPairRDD<Long, PackChunk> chunks = JavaPairRDD.fromJavaRDD(
                    items.mapPartitions(new ChunkDocuments(d, starts, shardTokens, kept)));
            JavaRDD<PackedRow> packedRows = chunks
                    .repartitionAndSortWithinPartitions(new ShardPartitioner(shardTokens, shards, "position"))
                    .mapPartitionsWithIndex(new AssembleShard(seqLen, rowsPerShard, rows, padId), true);
            Dataset<Row> df = spark.createDataset(packedRows.rdd(), Encoders.bean(PackedRow.class))
                    .select(col("inputIds").as("input_ids"), col("docStarts").as("doc_starts"), col("length"));
            jsc.setJobDescription("prep-corpus: pack " + d.dirName() + " into " + shards + " shards");
            LOG.info("prep-corpus: {}: {} documents, {} tokens -> {} rows of {} in {} shards", d.dirName(),
                    total.documents[di], packed, rows, seqLen, shards);
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
        return new CorpusManifest.SplitManifest(total.documents[di], total.tokens[di], packed, rows,
                rows * seqLen - kept, packed - kept, shardFiles);
    }

    /** Per split: lines of the same file in earlier splits (to turn split lines into file lines). */
    static long[] lineOffsets(List<InputSplit> splits, List<SplitStats> stats) {
        long[] offsets = new long[splits.size()];
        for (int i = 1; i < splits.size(); i++) {
            if (splits.get(i).file().index() == splits.get(i - 1).file().index()) {
                offsets[i] = offsets[i - 1] + stats.get(i - 1).lines;
            }
        }
        return offsets;
    }
}
