package dev.sinklora.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Test data for eval-ppl and passkey: prep-corpus-shaped splits written with Spark under exact shard names, and a
 * character-level tokenizer whose ids fit the tiny fixture's vocabulary of 256.
 */
public final class EvalFixtures {

    private EvalFixtures() {
    }

    public static final StructType SCHEMA = new StructType()
            .add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
            .add("doc_starts", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
            .add("length", DataTypes.IntegerType, false);

    /** A row of {@code seqLen} ids of which the first {@code length} are real; the rest is padding (id 2). */
    public static Row row(int[] real, int seqLen) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < seqLen; i++) {
            ids.add(i < real.length ? real[i] : 2);
        }
        return RowFactory.create(ids, List.of(0), real.length);
    }

    /** {@code n} pseudo-random ids in [3, 256). */
    public static int[] ids(Random rnd, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = 3 + rnd.nextInt(253);
        }
        return out;
    }

    /** Writes {@code rows} as the single Parquet file {@code file} (through a Spark write of one partition). */
    public static void writeShard(SparkSession spark, List<Row> rows, Path file) throws IOException {
        Path tmp = file.resolveSibling("_tmp-" + file.getFileName());
        spark.createDataFrame(rows, SCHEMA).coalesce(1).write().parquet(tmp.toString());
        try (Stream<Path> s = Files.list(tmp)) {
            Path part = s.filter(p -> p.getFileName().toString().startsWith("part-")
                    && p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
            Files.createDirectories(file.getParent());
            Files.move(part, file);
        }
        try (Stream<Path> s = Files.walk(tmp)) {
            s.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        }
    }

    /** A prep-corpus manifest with {@code seq_len}. */
    public static void writeManifest(Path dir, int seqLen) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("manifest.json"),
                "{\"format\":\"sinklora-prep-corpus\",\"format_version\":1,\"seq_len\":" + seqLen + "}");
    }

    /** Rows of the eval corpus: {@value #CORPUS_SEQ_LEN} ids each. */
    public static final int CORPUS_SEQ_LEN = 24;

    /**
     * A prep-corpus output at {@code dir}: {@code validation/shard-00000.parquet} (2 full rows) and
     * {@code shard-00001.parquet} (3 full rows and a last row with 10 real ids and padding: the larger file, which
     * Spark reads first), {@code train/} (one row) and the manifest.
     *
     * @return the validation split's expected token stream (130 ids)
     */
    public static int[] writeEvalCorpus(SparkSession spark, Path dir) throws IOException {
        Random rnd = new Random(11);
        List<int[]> first = List.of(ids(rnd, CORPUS_SEQ_LEN), ids(rnd, CORPUS_SEQ_LEN));
        List<int[]> second = List.of(ids(rnd, CORPUS_SEQ_LEN), ids(rnd, CORPUS_SEQ_LEN), ids(rnd, CORPUS_SEQ_LEN),
                ids(rnd, 10));
        writeShard(spark, first.stream().map(r -> row(r, CORPUS_SEQ_LEN)).toList(),
                dir.resolve("validation/shard-00000.parquet"));
        writeShard(spark, second.stream().map(r -> row(r, CORPUS_SEQ_LEN)).toList(),
                dir.resolve("validation/shard-00001.parquet"));
        writeShard(spark, List.of(row(ids(rnd, CORPUS_SEQ_LEN), CORPUS_SEQ_LEN)), dir.resolve("train/shard-00000.parquet"));
        writeManifest(dir, CORPUS_SEQ_LEN);
        List<int[]> all = new ArrayList<>(first);
        all.addAll(second);
        return concat(all);
    }

    /** The concatenation of {@code parts}. */
    public static int[] concat(List<int[]> parts) {
        return parts.stream().flatMapToInt(Arrays::stream).toArray();
    }

    /**
     * A character-level tokenizer.json: LLaMA-2's normalizer, post-processor (BOS 1) and decoder, with a vocabulary
     * of {@code <unk> <s> </s> ▁ \n} and the printable ASCII characters and no merges, so every id is below 100.
     */
    public static Path charTokenizer(Path dir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode t = (ObjectNode) json.readTree(TestTokenizers.llama2().toFile());
        ObjectNode model = (ObjectNode) t.get("model");
        ObjectNode vocab = json.createObjectNode();
        vocab.put("<unk>", 0);
        vocab.put("<s>", 1);
        vocab.put("</s>", 2);
        vocab.put("\u2581", 3);
        vocab.put("\n", 4);
        int id = 5;
        for (char c = '!'; c <= '~'; c++) {
            vocab.put(String.valueOf(c), id++);
        }
        model.set("vocab", vocab);
        model.putArray("merges");
        model.put("byte_fallback", false);
        Files.createDirectories(dir);
        Path file = dir.resolve("tokenizer.json");
        json.writeValue(file.toFile(), t);
        return file;
    }
}
