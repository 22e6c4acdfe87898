package dev.sinklora.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.model.lora.PeftAdapterIO;
import dev.sinklora.spark.FrozenBaseCacheAccess;
import dev.sinklora.spark.HadoopModelDirectory;
import dev.sinklora.testing.EvalFixtures;
import dev.sinklora.testing.LoopbackS3;
import dev.sinklora.testing.ModelFixtures;
import dev.sinklora.testing.SparkTestSession;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * train and eval-ppl with the base, the data and the output all on s3a:// (S3Proxy on loopback), the endpoint and
 * credentials given only to the Spark session's Hadoop configuration, which is where {@code spark.hadoop.*} settings
 * land: every read, on the driver and in the tasks, must use the job's configuration.
 */
class S3PipelineTest {

    static final String BUCKET = "sinklora-pipeline";
    static final ObjectMapper JSON = new ObjectMapper();
    static LoopbackS3 s3;
    static final Map<String, String> saved = new HashMap<>();
    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        s3 = LoopbackS3.start();
        s3.createBucket(BUCKET);
        Configuration session = SparkTestSession.get().sparkContext().hadoopConfiguration();
        Configuration settings = new Configuration(false);
        s3.configure(settings);
        settings.forEach(e -> {
            saved.put(e.getKey(), session.get(e.getKey()));
            session.set(e.getKey(), e.getValue());
        });
        Path corpus = tmp.resolve("corpus");
        EvalFixtures.writeEvalCorpus(SparkTestSession.get(), corpus);
        upload(session, ModelFixtures.tinyBase(), "models/base");
        upload(session, corpus, "data/corpus");
    }

    @AfterAll
    static void stop() throws Exception {
        Configuration session = SparkTestSession.get().sparkContext().hadoopConfiguration();
        saved.forEach((k, v) -> {
            if (v == null) {
                session.unset(k);
            } else {
                session.set(k, v);
            }
        });
        FrozenBaseCacheAccess.clear(); // the s3a base is gone with the server
        s3.close();
    }

    static String uri(String key) {
        return "s3a://" + BUCKET + "/" + key;
    }

    static void upload(Configuration conf, Path local, String key) throws java.io.IOException {
        org.apache.hadoop.fs.Path dst = new org.apache.hadoop.fs.Path(uri(key));
        dst.getFileSystem(conf).copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(local.toUri()), dst);
    }

    @Test
    void scoreReadsAModelFromS3a() throws Exception {
        CliRunner.Result r = CliRunner.run("score", "--model", uri("models/base"), "--tokens",
                ModelFixtures.expectedTokensCsv(), "--attention", "sf", "--group-size", "8");
        assertEquals(0, r.exitCode(), r.err());
        // expected.json's sf case, as scoring the local copy gives (ScoreCommandTest)
        assertEquals(7.1244577649521, JSON.readTree(r.lastLine()).get("mean_nll").asDouble(), 3e-6);
    }

    @Test
    void trainsAndEvaluatesWithEverythingOnS3() throws Exception {
        CliRunner.Result train = CliRunner.run("train", "--base", uri("models/base"), "--data", uri("data/corpus"),
                "--out", uri("runs/r1"), "--max-steps", "2", "--averaging-frequency", "1", "--workers", "2",
                "--warmup-steps", "0", "--learning-rate", "1e-2", "--lora-r", "4", "--lora-alpha", "8");
        assertEquals(0, train.exitCode(), train.err());
        JsonNode t = JSON.readTree(train.lastLine());
        assertEquals(2, t.get("steps").asInt(), t.toString());

        Configuration conf = SparkTestSession.get().sparkContext().hadoopConfiguration();
        HadoopModelDirectory fin = HadoopModelDirectory.of(uri("runs/r1/final"), conf);
        assertTrue(fin.hasFile("adapter_model.safetensors"));
        assertFalse(PeftAdapterIO.read(fin).modules().isEmpty());

        CliRunner.Result eval = CliRunner.run("eval-ppl", "--model", uri("models/base"), "--adapter",
                uri("runs/r1/final"), "--data", uri("data/corpus"), "--split=validation", "--seq-len", "16");
        assertEquals(0, eval.exitCode(), eval.err());
        JsonNode e = JSON.readTree(eval.lastLine());
        double ppl = e.get("results").get(0).get("ppl").asDouble();
        assertTrue(Double.isFinite(ppl) && ppl > 1, e.toString());
    }
}
