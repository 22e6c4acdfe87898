package dev.sinklora.prep.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes a Dataset with Spark's file writer (task commit protocol, speculation-safe) and gives the
 * files stable names: Spark's {@code part-00003-<uuid>-c000.snappy.parquet} becomes
 * {@code shard-00003.parquet}, so two runs produce the same file names as well as the same bytes.
 */
public final class ShardWriter {
    private static final Pattern PART = Pattern.compile("^part-(\\d+)-.*");

    private ShardWriter() {
    }

    /** Writes {@code ds} as snappy Parquet into {@code dir} (which must not exist) and returns the shards in order. */
    public static List<ShardFile> writeParquet(Dataset<Row> ds, Path dir, String relativeDir, Configuration conf) {
        ds.write().mode(SaveMode.ErrorIfExists).option("compression", "snappy").parquet(dir.toString());
        List<ShardFile> shards = new ArrayList<>();
        try {
            FileSystem fs = dir.getFileSystem(conf);
            for (Path p : renameParts(fs, dir, ".parquet", "shard-%05d.parquet")) {
                long rows;
                try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(p, conf))) {
                    rows = r.getRecordCount();
                }
                shards.add(new ShardFile(relativeDir + "/" + p.getName(), rows, fs.getFileStatus(p).getLen()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("naming the shards in " + dir + ": " + e.getMessage(), e);
        }
        return shards;
    }

    /**
     * Renames Spark's {@code part-N-...suffix} files in {@code dir} to {@code pattern} formatted
     * with their rank (0, 1, ...) in part order, and removes {@code _SUCCESS}.
     */
    public static List<Path> renameParts(FileSystem fs, Path dir, String suffix, String pattern) throws IOException {
        FileStatus[] all = fs.listStatus(dir);
        List<FileStatus> parts = new ArrayList<>(Arrays.stream(all)
                .filter(s -> PART.matcher(s.getPath().getName()).matches() && s.getPath().getName().endsWith(suffix))
                .toList());
        parts.sort(Comparator.comparingLong(s -> partNumber(s.getPath().getName())));
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            Path target = new Path(dir, String.format(pattern, i));
            if (!fs.rename(parts.get(i).getPath(), target)) {
                throw new IOException("rename " + parts.get(i).getPath() + " -> " + target + " returned false");
            }
            out.add(target);
        }
        fs.delete(new Path(dir, "_SUCCESS"), false);
        return out;
    }

    private static long partNumber(String name) {
        Matcher m = PART.matcher(name);
        if (!m.matches()) {
            throw new IllegalArgumentException(name);
        }
        return Long.parseLong(m.group(1));
    }
}
