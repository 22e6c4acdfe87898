package dev.sinklora.testing;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A small prep-corpus-shaped training set the tiny model can learn: rows of BOS + an arithmetic progression. */
public final class TrainingCorpus {

    private TrainingCorpus() {
    }

    /**
     * Writes {@code dir/train} (16 rows of {@code seqLen} tokens: BOS, then {@code 5 + (7k + 3i) mod 40}, in two
     * Parquet files) and {@code dir/manifest.json}; returns {@code dir}.
     */
    public static Path write(SparkSession spark, Path dir, int seqLen) throws IOException {
        StructType schema = new StructType()
                .add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
                .add("doc_starts", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
                .add("length", DataTypes.IntegerType, false);
        List<Row> rows = new ArrayList<>();
        for (int k = 0; k < 16; k++) {
            List<Integer> ids = new ArrayList<>(); // [seqLen]
            for (int i = 0; i < seqLen; i++) {
                ids.add(i == 0 ? 1 : 5 + (k * 7 + i * 3) % 40);
            }
            rows.add(RowFactory.create(ids, List.of(0), seqLen));
        }
        spark.createDataFrame(rows, schema).coalesce(2).write().parquet(dir.resolve("train").toString());
        Files.writeString(dir.resolve("manifest.json"), "{\"seq_len\": " + seqLen + ", \"documents\": 16}");
        return dir;
    }
}
