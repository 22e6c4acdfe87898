package dev.sinklora.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.io.JsonFiles;
import dev.sinklora.model.io.ModelDirectory;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.spark.HadoopModelDirectory;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import static org.apache.spark.sql.functions.col;

/**
 * One split of a prep-corpus output as a flat token stream: its rows' real tokens ({@code length} of each, so the
 * padding of a last row is dropped), concatenated in shard-file name order and then row order within each file,
 * which is prep-corpus's stream order; the same for any partitioning. Held in driver memory (4 bytes a token) and
 * broadcast to the tasks.
 *
 * @param tokens the stream
 * @param rows   rows read
 * @param files  shard files read
 * @param where  the split directory (for messages)
 */
public record TokenStream(int[] tokens, long rows, int files, String where) {

    public static final String MANIFEST = "manifest.json";

    /** One row, reduced to what ordering and the stream need. */
    private record Piece(String file, long row, int[] ids) implements Serializable {
    }

    /**
     * Reads split {@code split} of the prep-corpus output {@code dataUri}.
     *
     * @param vocabSize ids must be below it (the model's {@code vocab_size})
     * @throws BadInputException for a missing manifest or split, prep-sft output, shards without {@code input_ids},
     *                           an empty split or ids outside the vocabulary
     */
    public static TokenStream read(SparkSession spark, String dataUri, String split, int vocabSize) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        HadoopModelDirectory data = HadoopModelDirectory.of(dataUri, conf);
        if (!data.hasFile(MANIFEST)) {
            throw new BadInputException("--data " + data.describe() + ": no " + MANIFEST
                    + " (is it the output of prep-corpus, and did it finish?)");
        }
        JsonNode manifest = JsonFiles.parseObject(data.readAll(MANIFEST), data.describe(MANIFEST));
        if (manifest.has("max_len") || manifest.has("prompt_tokens")) {
            throw new BadInputException("--data " + data.describe() + ": is prep-sft output (examples, not a token "
                    + "stream); eval-ppl needs the output of prep-corpus");
        }
        ModelDirectory dir = data.child(split);
        List<String> shards = dir.listFiles().stream().filter(f -> f.endsWith(".parquet")).toList();
        if (!dir.isDirectory() || shards.isEmpty()) {
            List<String> present = data.listDirectories().stream()
                    .filter(d -> !d.startsWith("_") && !d.startsWith(".") && !d.equals("rejected")).toList();
            throw new BadInputException("--split " + split + ": " + dir.describe()
                    + (dir.isDirectory() ? " has no Parquet shards" : " does not exist")
                    + " (splits in --data: " + (present.isEmpty() ? "none" : String.join(", ", present)) + ")");
        }
        Dataset<Row> df;
        try {
            df = spark.read().parquet(dir.describe());
        } catch (Exception e) {
            throw new BadInputException(dir.describe() + ": cannot read the shards: " + e.getMessage(), e);
        }
        List<String> cols = Arrays.asList(df.columns());
        if (!cols.contains("input_ids")) {
            throw new BadInputException(dir.describe() + ": no input_ids column (columns: " + cols + ")");
        }
        boolean hasLength = cols.contains("length");
        Dataset<Row> picked = df.select(col("_metadata.file_name").as("file"), col("_metadata.row_index").as("row"),
                col("input_ids"), hasLength ? col("length") : org.apache.spark.sql.functions.lit(-1).as("length"));
        List<Piece> pieces = new ArrayList<>(picked.javaRDD().map(new ToPiece()).collect());
        pieces.sort(Comparator.comparing(Piece::file).thenComparingLong(Piece::row));
        long total = 0;
        for (Piece p : pieces) {
            total += p.ids().length;
        }
        if (total == 0) {
            throw new BadInputException("--split " + split + ": " + dir.describe() + " holds no tokens");
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new BadInputException(dir.describe() + ": " + total + " tokens is more than one stream can hold "
                    + "(2^31); evaluate a smaller split");
        }
        int[] tokens = new int[(int) total];
        int at = 0;
        for (Piece p : pieces) {
            try {
                LlamaModel.validateTokens(p.ids(), p.ids().length, vocabSize);
            } catch (BadInputException e) {
                throw new BadInputException(dir.describe() + "/" + p.file() + ": row " + p.row() + ": "
                        + e.getMessage() + " of --model (was the data tokenized with this model's tokenizer?)");
            }
            System.arraycopy(p.ids(), 0, tokens, at, p.ids().length);
            at += p.ids().length;
        }
        return new TokenStream(tokens, pieces.size(), shards.size(), dir.describe());
    }

    /** A row to its real tokens (a class rather than a lambda, as the other jobs' tasks). */
    private static final class ToPiece implements Function<Row, Piece> {
        private static final long serialVersionUID = 1L;

        @Override
        public Piece call(Row r) {
            List<Integer> ids = r.getList(2);
            int length = r.getInt(3) < 0 ? ids.size() : Math.min(r.getInt(3), ids.size());
            int[] out = new int[length];
            for (int i = 0; i < length; i++) {
                out[i] = ids.get(i);
            }
            return new Piece(r.getString(0), r.getLong(1), out);
        }
    }
}
