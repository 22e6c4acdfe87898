package dev.sinklora.prep.spark;

import dev.sinklora.prep.io.InputSplit;
import dev.sinklora.prep.record.RejectedRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes rejected records to {@code rejected/rejected-NNNNN.jsonl}: one JSON object per line with
 * {@code source}, {@code line}/{@code row}/{@code byte_offset} (when known), {@code reason},
 * {@code detail} and {@code raw} or {@code raw_base64}. Absent values are left out.
 */
public final class RejectedSink {
    /** Rejected records per output file (roughly). */
    private static final long PER_FILE = 500_000;

    public static final StructType SCHEMA = new StructType()
            .add("source", DataTypes.StringType, false)
            .add("line", DataTypes.LongType, true)
            .add("row", DataTypes.LongType, true)
            .add("byte_offset", DataTypes.LongType, true)
            .add("reason", DataTypes.StringType, false)
            .add("detail", DataTypes.StringType, true)
            .add("raw", DataTypes.StringType, true)
            .add("raw_base64", DataTypes.StringType, true);

    private RejectedSink() {
    }

    /**
     * @param rejected the rejected records, with split-relative line numbers
     * @param lineOffsets per split index: lines of the same file before the split
     * @param splits all input splits (for the source path)
     */
    public static void write(SparkSession spark, JavaRDD<RejectedRecord> rejected, long count, long[] lineOffsets,
                             List<InputSplit> splits, Path dir, Configuration conf) {
        Path parent = dir.getParent();
        try {
            FileSystem fs = dir.getFileSystem(conf);
            if (count == 0) {
                fs.mkdirs(dir);
                return;
            }
            Broadcast<long[]> offsets = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext())
                    .broadcast(lineOffsets);
            String[] sources = splits.stream().map(s -> s.file().path()).toArray(String[]::new);
            JavaRDD<Row> rows = rejected.map(r -> {
                RejectedRecord f = r.withLineOffset(offsets.value()[r.splitIndex()]);
                return RowFactory.create(sources[f.splitIndex()], f.line() < 0 ? null : f.line(),
                        f.row() < 0 ? null : f.row(), f.byteOffset() < 0 ? null : f.byteOffset(), f.reason(),
                        f.detail(), f.raw(), f.rawBase64());
            });
            int files = (int) Math.max(1, Math.min(rejected.getNumPartitions(), (count + PER_FILE - 1) / PER_FILE));
            spark.createDataFrame(rows.coalesce(files), SCHEMA)
                    .write().mode(SaveMode.ErrorIfExists).json(dir.toString());
            ShardWriter.renameParts(fs, dir, ".json", "rejected-%05d.jsonl");
            offsets.destroy();
        } catch (IOException e) {
            throw new UncheckedIOException("writing rejected records under " + parent + ": " + e.getMessage(), e);
        }
    }
}
