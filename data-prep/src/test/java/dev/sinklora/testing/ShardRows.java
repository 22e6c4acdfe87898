package dev.sinklora.testing;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads output shards back in order (file name order, then row order within a file). */
public final class ShardRows {
    private ShardRows() {
    }

    public static List<Row> read(SparkSession spark, Path dir) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (Path f : parquetFiles(dir)) {
            rows.addAll(spark.read().parquet(f.toUri().toString()).collectAsList());
        }
        return rows;
    }

    public static List<Path> parquetFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList();
        }
    }

    public static int[] ints(Row row, String column) {
        List<Integer> l = row.getList(row.fieldIndex(column));
        return l.stream().mapToInt(Integer::intValue).toArray();
    }
}
