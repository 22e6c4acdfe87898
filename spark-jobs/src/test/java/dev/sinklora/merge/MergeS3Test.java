package dev.sinklora.merge;

import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.lora.MergeExporter;
import dev.sinklora.spark.HadoopModelDirectory;
import dev.sinklora.testing.LoopbackS3;
import dev.sinklora.testing.SparkTestSession;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Merge against a real S3 API (S3Proxy on loopback): base and adapter read from s3a://, the merge written there. */
class MergeS3Test {

    static final String BUCKET = "sinklora-merge";
    static LoopbackS3 s3;
    static Configuration conf;

    @BeforeAll
    static void start() throws Exception {
        s3 = LoopbackS3.start();
        s3.createBucket(BUCKET);
        conf = new Configuration();
        s3.configure(conf);
        upload(TinyLlama.base(), "models/base");
        upload(TinyLlama.adapter(), "runs/r1/step-000010");
        upload(TinyLlama.adapter(), "runs/r1/step-000020");
    }

    /** {@code s3a://<bucket>/<key>}. */
    static String uri(String key) {
        return "s3a://" + BUCKET + "/" + key;
    }

    /** Copies a local directory tree to {@code s3a://<bucket>/<key>}. */
    static void upload(java.nio.file.Path local, String key) throws java.io.IOException {
        org.apache.hadoop.fs.Path dst = new org.apache.hadoop.fs.Path(uri(key));
        dst.getFileSystem(conf).copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(local.toUri()), dst);
    }

    @AfterAll
    static void stop() throws Exception {
        s3.close();
    }

    private static MergeSpec spec(String adapter, String out) {
        return new MergeSpec(null, uri("models/base"), adapter, out, null,
                MergeExporter.DEFAULT_MAX_SHARD_BYTES, false, null);
    }

    @Test
    void s3aRoundTripReadsBaseAndAdapterAndWritesTheMergedModel() throws Exception {
        String out = uri("exports/merged");
        MergeOutcome o = MergeJob.mergeOne(conf, spec(uri("runs/r1/step-000010"), out));
        assertTrue(o.ok(), o.toJson());
        assertEquals(List.of("model.safetensors", "config.json"), o.files());

        HadoopModelDirectory dir = HadoopModelDirectory.of(out, conf);
        assertEquals(List.of("config.json", "model.safetensors"), dir.listFiles());
        double merged = TinyLlama.score(LlamaModel.load(dir));
        assertEquals(TinyLlama.scoreUnmerged(TinyLlama.adapter()), merged, 1e-5);
        assertTrue(Math.abs(merged - TinyLlama.score(LlamaModel.load(TinyLlama.base()))) > 0.05);

        // Nothing but the export is left in the bucket's export prefix (no temporary directory).
        assertEquals(List.of("merged"), HadoopModelDirectory.of(uri("exports"), conf).listDirectories());
    }

    @Test
    void batchExportOfARunDirectoryOnSparkWritesToS3() throws Exception {
        String outParent = uri("exports/batch");
        List<MergeOutcome> outcomes = MergeJob.mergeAll(SparkTestSession.get(), conf,
                List.of(uri("runs/r1")), spec(null, outParent));
        assertEquals(List.of("step-000010", "step-000020"), outcomes.stream().map(MergeOutcome::name).toList());
        outcomes.forEach(o -> assertTrue(o.ok(), o.toJson()));
        HadoopModelDirectory parent = HadoopModelDirectory.of(outParent, conf);
        assertEquals(List.of("step-000010", "step-000020"), parent.listDirectories());
        double want = TinyLlama.scoreUnmerged(TinyLlama.adapter());
        for (String step : parent.listDirectories()) {
            assertEquals(want, TinyLlama.score(LlamaModel.load(parent.child(step))), 1e-5, step);
        }
        assertFalse(parent.child("step-000010").isDirectory() && parent.child("step-000010")
                .listFiles().stream().anyMatch(f -> f.endsWith(".crc")));
    }
}
