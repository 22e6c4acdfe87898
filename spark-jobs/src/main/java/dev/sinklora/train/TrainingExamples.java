package dev.sinklora.train;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.llama.LlamaModel;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import scala.Tuple2;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * Training examples from prep-corpus or prep-sft shards, as fixed-size minibatches in a
 * deterministic order (a seeded hash of each example's content: the same for any partitioning),
 * and the minibatches of each averaging round. Epochs wrap around.
 *
 * <ul>
 *   <li>prep-corpus rows ({@code input_ids}, {@code length}): targets are the next tokens of the
 *       row; positions at or after {@code length - 1} take no loss.</li>
 *   <li>prep-sft rows ({@code input_ids}, {@code labels} with -100 on the prompt): padded to
 *       {@code seqLen}; targets are the next position's label.</li>
 * </ul>
 * A last, incomplete minibatch is filled with rows that take no loss, so no example is dropped.
 */
public final class TrainingExamples implements Serializable {

    /** One example: ids and next-token targets, both {@code [seqLen]}. */
    record Example(long order, int[] ids, int[] targets) implements Serializable {
    }

    private final JavaPairRDD<Long, DataSet> batches; // batch index -> [B, N] ids and targets
    private final long batchCount;
    private final long exampleCount;
    private final int batchSize;

    private TrainingExamples(JavaPairRDD<Long, DataSet> batches, long batchCount, long exampleCount, int batchSize) {
        this.batches = batches;
        this.batchCount = batchCount;
        this.exampleCount = exampleCount;
        this.batchSize = batchSize;
    }

    /**
     * Reads the train split of {@code data}, checks every row (length, and every id and label inside the base's
     * vocabulary, naming shard file, row and id), shuffles by content hash with {@code seed}, and cuts minibatches.
     */
    public static TrainingExamples load(SparkSession spark, DataInfo data, int seqLen, int batchSize, long seed) {
        String splitUri = data.trainUri();
        int vocabSize = data.vocabSize();
        Dataset<Row> df;
        try {
            df = spark.read().parquet(splitUri);
        } catch (Exception e) {
            throw new BadInputException(splitUri + ": cannot read training shards (" + e.getMessage()
                    + "); --data must be the output of prep-corpus or prep-sft", e);
        }
        List<String> cols = Arrays.asList(df.columns());
        if (!cols.contains("input_ids")) {
            throw new BadInputException(splitUri + ": no input_ids column (columns: " + cols + ")");
        }
        boolean sft = cols.contains("labels");
        boolean hasLength = cols.contains("length");
        Dataset<Row> located = df.select(col("input_ids"), sft ? col("labels") : lit(null).as("labels"),
                hasLength ? col("length") : lit(-1).as("length"), col("_metadata.file_name").as("file"),
                col("_metadata.row_index").as("row"));
        JavaRDD<Example> examples = located.javaRDD()
                .map(row -> toExample(row, sft, seqLen, vocabSize, seed, splitUri));
        // kept while the batches are cut: zipWithIndex, count and the grouping would each re-read and re-sort
        JavaRDD<Example> ordered = examples.sortBy(Example::order, true, examples.getNumPartitions())
                .persist(StorageLevel.MEMORY_AND_DISK());
        long exampleCount = ordered.count();
        if (exampleCount == 0) {
            ordered.unpersist(false);
            throw new BadInputException(splitUri + ": no training examples");
        }
        JavaPairRDD<Long, DataSet> batches = ordered.zipWithIndex()
                .mapToPair(t -> new Tuple2<>(t._2() / batchSize, t._1()))
                .groupByKey()
                .mapToPair(t -> new Tuple2<>(t._1(), toDataSet(t._2(), batchSize, seqLen)))
                .cache();
        long batchCount = batches.count();
        ordered.unpersist(false);
        return new TrainingExamples(batches, batchCount, exampleCount, batchSize);
    }

    /**
     * One row (columns {@code input_ids, labels|null, length|-1, file, row}) as an example.
     *
     * @throws BadInputException naming the shard file and row, for a row of the wrong length or with an id (or SFT
     *     label) outside {@code [0, vocabSize)}: ids index the embedding table natively, unchecked
     */
    static Example toExample(Row row, boolean sft, int seqLen, int vocabSize, long seed, String where) {
        String at = where + "/" + row.getString(3) + ": row " + row.getLong(4);
        List<Integer> idList = row.getList(0);
        int n = idList.size();
        if (n > seqLen || (!sft && n != seqLen)) {
            throw new BadInputException(at + " has " + n + " tokens but training uses --seq-len "
                    + seqLen + (sft ? " (re-run prep-sft with --max-len " + seqLen + ")"
                    : " (re-run prep-corpus with --seq-len " + seqLen + ")"));
        }
        int[] ids = new int[seqLen];
        int[] targets = new int[seqLen];
        Arrays.fill(targets, SinkLoraLayer.IGNORE);
        for (int i = 0; i < n; i++) {
            ids[i] = idList.get(i);
        }
        checkIds(ids, n, vocabSize, at, "input_ids");
        if (sft) {
            List<Integer> labels = row.getList(1);
            int[] next = new int[Math.max(0, n - 1)];
            for (int t = 0; t + 1 < n; t++) {
                targets[t] = labels.get(t + 1);
                next[t] = targets[t] == SinkLoraLayer.IGNORE ? 0 : targets[t];
            }
            checkIds(next, next.length, vocabSize, at, "labels (other than " + SinkLoraLayer.IGNORE + ")");
        } else {
            int length = row.getInt(2) < 0 ? n : row.getInt(2);
            for (int t = 0; t + 1 < length; t++) {
                targets[t] = ids[t + 1];
            }
        }
        long h = seed * 0x9E3779B97F4A7C15L;
        for (int id : ids) {
            h = (h ^ id) * 0x100000001B3L;
        }
        for (int t : targets) {
            h = (h ^ t) * 0x100000001B3L;
        }
        return new Example(h, ids, targets);
    }

    private static void checkIds(int[] ids, int n, int vocabSize, String at, String column) {
        try {
            LlamaModel.validateTokens(ids, n, vocabSize);
        } catch (BadInputException e) {
            throw new BadInputException(at + ": " + column + ": " + e.getMessage() + " of --base (was the data "
                    + "tokenized with the base's tokenizer?)");
        }
    }

    private static DataSet toDataSet(Iterable<Example> examples, int batchSize, int seqLen) {
        List<Example> list = new ArrayList<>();
        examples.forEach(list::add);
        list.sort((a, b) -> Long.compare(a.order(), b.order()));
        float[] ids = new float[batchSize * seqLen];
        float[] targets = new float[batchSize * seqLen];
        Arrays.fill(targets, SinkLoraLayer.IGNORE);
        for (int b = 0; b < list.size(); b++) {
            Example e = list.get(b);
            for (int t = 0; t < seqLen; t++) {
                ids[b * seqLen + t] = e.ids()[t];
                targets[b * seqLen + t] = e.targets()[t];
            }
        }
        return new DataSet(Nd4j.create(ids, new long[]{batchSize, seqLen}, 'c').castTo(DataType.FLOAT),
                Nd4j.create(targets, new long[]{batchSize, seqLen}, 'c').castTo(DataType.FLOAT));
    }

    /** The minibatches of round {@code round} with {@code perRound} minibatches per round (global order, wrapping). */
    public JavaRDD<DataSet> round(long round, int perRound, int workers) {
        long first = round * perRound;
        long count = batchCount;
        return batches.flatMapToPair(t -> {
            List<Tuple2<Long, DataSet>> out = new ArrayList<>(1);
            for (long g = first; g < first + perRound; g++) {
                if (g % count == t._1()) {
                    out.add(new Tuple2<>(g, t._2()));
                }
            }
            return out.iterator();
        }).sortByKey(true, workers).values(); // shuffle reads come in any order: sort to make rounds reproducible
    }

    /** Loss-taking tokens of every minibatch, by minibatch index (collected to the driver: one long each). */
    public long[] lossTokensPerBatch() {
        long[] out = new long[(int) batchCount];
        batches.mapToPair(t -> {
            float[] targets = t._2().getLabels().dup().data().asFloat();
            long n = 0;
            for (float v : targets) {
                if (v >= 0) n++;
            }
            return new Tuple2<>(t._1(), n);
        }).collectAsMap().forEach((k, v) -> out[k.intValue()] = v);
        return out;
    }

    public long batchCount() { return batchCount; }
    public long exampleCount() { return exampleCount; }
    public int batchSize() { return batchSize; }

    public void release() {
        batches.unpersist(false);
    }
}
