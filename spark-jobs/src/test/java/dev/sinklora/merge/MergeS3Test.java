package dev.sinklora.merge;

import dev.sinklora.io.HadoopModelDirectory;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.lora.MergeExporter;
import dev.sinklora.testing.S3TestServer;
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

    static S3TestServer s3;
    static Configuration conf;

    @BeforeAll
    static void start() throws Exception {
        s3 = S3TestServer.start();
        conf = s3.hadoopConf();
        s3.upload(TinyLlama.base(), "models/base");
        s3.upload(TinyLlama.adapter(), "runs/r1/step-000010");
        s3.upload(TinyLlama.adapter(), "runs/r1/step-000020");
    }

    @AfterAll
    static void stop() throws Exception {
        s3.close();
    }

    private static MergeSpec spec(String adapter, String out) {
        return new MergeSpec(null, s3.uri("models/base"), adapter, out, null,
                MergeExporter.DEFAULT_MAX_SHARD_BYTES, false, null);
    }

    @Test
    void s3aRoundTripReadsBaseAndAdapterAndWritesTheMergedModel() throws Exception {
        String out = s3.uri("exports/merged");
        MergeOutcome o = MergeJob.mergeOne(conf, spec(s3.uri("runs/r1/step-000010"), out));
        assertTrue(o.ok(), o.toJson());
        assertEquals(List.of("model.safetensors", "config.json"), o.files());

        HadoopModelDirectory dir = HadoopModelDirectory.of(out, conf);
        assertEquals(List.of("config.json", "model.safetensors"), dir.listFiles());
        double merged = TinyLlama.score(LlamaModel.load(dir));
        assertEquals(TinyLlama.scoreUnmerged(TinyLlama.adapter()), merged, 1e-5);
        assertTrue(Math.abs(merged - TinyLlama.score(LlamaModel.load(TinyLlama.base()))) > 0.05);

        // Nothing but the export is left in the bucket's export prefix (no temporary directory).
        assertEquals(List.of("merged"), HadoopModelDirectory.of(s3.uri("exports"), conf).listDirectories());
    }

    @Test
    void batchExportOfARunDirectoryOnSparkWritesToS3() throws Exception {
        String outParent = s3.uri("exports/batch");
        List<MergeOutcome> outcomes = MergeJob.mergeAll(SparkTestSession.get(), conf,
                List.of(s3.uri("runs/r1")), spec(null, outParent));
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
