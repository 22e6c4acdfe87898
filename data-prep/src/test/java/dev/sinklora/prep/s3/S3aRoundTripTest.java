package dev.sinklora.prep.s3;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.prep.corpus.CorpusManifest;
import dev.sinklora.prep.corpus.PrepCorpusJob;
import dev.sinklora.prep.corpus.PrepCorpusOptions;
import dev.sinklora.testing.LoopbackS3;
import dev.sinklora.testing.ShardRows;
import dev.sinklora.testing.SparkTestSession;
import dev.sinklora.testing.TestTokenizers;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** prep-corpus reading and writing {@code s3a://} against an S3 API server on loopback. */
class S3aRoundTripTest {
    static SparkSession spark;
    static LoopbackS3 s3;

    @TempDir
    java.nio.file.Path tmp;

    @BeforeAll
    static void start() throws Exception {
        spark = SparkTestSession.get();
        s3 = LoopbackS3.start();
        s3.createBucket("corpus");
        s3.configure(spark.sparkContext().hadoopConfiguration());
    }

    @AfterAll
    static void stop() throws Exception {
        s3.close();
    }

    @Test
    void s3aInputsTokenizerAndOutputGiveTheSameShardsAsLocalFiles() throws IOException {
        ObjectMapper m = new ObjectMapper();
        StringBuilder a = new StringBuilder();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            (i % 2 == 0 ? a : b).append(m.writeValueAsString(Map.of("text", "document " + i + " about long context"
                    + " attention sinks ".repeat(i % 7)))).append('\n');
        }
        b.append("{\"text\": 3}\n");
        java.nio.file.Path local = Files.createDirectories(tmp.resolve("in"));
        Files.writeString(local.resolve("a.jsonl"), a);
        Files.writeString(local.resolve("b.jsonl"), b);

        Configuration conf = spark.sparkContext().hadoopConfiguration();
        FileSystem fs = FileSystem.get(URI.create("s3a://corpus/"), conf);
        fs.copyFromLocalFile(new Path(local.resolve("a.jsonl").toUri()), new Path("s3a://corpus/raw/a.jsonl"));
        fs.copyFromLocalFile(new Path(local.resolve("b.jsonl").toUri()), new Path("s3a://corpus/raw/b.jsonl"));
        fs.copyFromLocalFile(new Path(TestTokenizers.llama2().toUri()), new Path("s3a://corpus/tok/tokenizer.json"));

        PrepCorpusOptions viaS3 = PrepCorpusOptions.of(List.of("s3a://corpus/raw/*.jsonl"), "s3a://corpus/tok",
                        48, "s3a://corpus/packed").withValFraction(0.25).withMaxRejectedFraction(0.1);
        CorpusManifest s3Manifest = PrepCorpusJob.run(spark, viaS3);
        CorpusManifest localManifest = PrepCorpusJob.run(spark, PrepCorpusOptions.of(List.of(local.toString()),
                        TestTokenizers.llama2().toString(), 48, tmp.resolve("out").toString())
                .withValFraction(0.25).withMaxRejectedFraction(0.1));

        assertTrue(fs.exists(new Path("s3a://corpus/packed/manifest.json")));
        CorpusManifest readBack;
        try (FSDataInputStream in = fs.open(new Path("s3a://corpus/packed/manifest.json"))) {
            readBack = CorpusManifest.fromJson(in.readAllBytes(), "s3a://corpus/packed/manifest.json");
        }
        assertEquals(s3Manifest, readBack);
        assertEquals(40, readBack.documents());
        assertEquals(1, readBack.rejected());
        assertEquals(localManifest.tokens(), readBack.tokens());
        assertEquals(localManifest.tokenizer().sha256(), readBack.tokenizer().sha256());
        assertEquals(1, fs.listStatus(new Path("s3a://corpus/packed/rejected")).length);
        assertFalse(fs.listStatus(new Path("s3a://corpus/packed"), p -> p.getName().startsWith("_")).length > 0,
                "no staging or _SUCCESS left behind");

        for (String split : List.of("train", "validation")) {
            List<java.nio.file.Path> localShards = ShardRows.parquetFiles(tmp.resolve("out").resolve(split));
            assertFalse(localShards.isEmpty());
            for (java.nio.file.Path shard : localShards) {
                Path remote = new Path("s3a://corpus/packed/" + split + "/" + shard.getFileName());
                try (FSDataInputStream in = fs.open(remote)) {
                    assertArrayEquals(Files.readAllBytes(shard), in.readAllBytes(), remote + " differs from local");
                }
            }
            assertEquals(localShards.size(), fs.listStatus(new Path("s3a://corpus/packed/" + split),
                    p -> p.getName().endsWith(".parquet")).length);
        }
        assertEquals(localManifest.sequences(), spark.read().parquet("s3a://corpus/packed/train",
                "s3a://corpus/packed/validation").count());
    }
}
