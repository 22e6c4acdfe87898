package dev.sinklora.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.testing.LocalClusterSession;
import dev.sinklora.testing.ModelFixtures;
import dev.sinklora.testing.SparkTestSession;
import dev.sinklora.testing.TrainingCorpus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * {@code sinklora train} with executors in their own JVMs (Spark's {@code local-cluster[2,1,1024]}: a standalone
 * master and two workers in this JVM, each executor a separate process; the application classes reach them as a
 * jar, as with spark-submit) ends byte-identical to the {@code local[2]} run, one task thread per executor in both:
 * closures and the layer configuration serialize, the executors' classpath holds everything, and each executor JVM
 * loads the frozen base itself. Runs in its own surefire execution (tag {@code local-cluster}): a JVM holds one
 * SparkContext, so the shared local[2] session is stopped before the cluster starts.
 */
@Tag(LocalClusterSession.TAG)
class LocalClusterTrainTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void twoRoundsOnSeparateExecutorJvmsEqualTheLocalRun() throws Exception {
        Path data = TrainingCorpus.write(SparkTestSession.get(), tmp.resolve("corpus"), 32);
        JsonNode local = train(data, tmp.resolve("run-local"));
        SparkTestSession.stop();

        JsonNode cluster;
        try (LocalClusterSession c = LocalClusterSession.start(tmp.resolve("spark-home"), 2)) {
            Set<Long> pids = c.executorPids();
            assertEquals(2, pids.size(), "executor JVMs " + pids);
            assertFalse(pids.contains(ProcessHandle.current().pid()), "an executor runs in the driver's JVM");
            cluster = train(data, tmp.resolve("run-cluster"));
        }
        assertEquals(2, cluster.get("rounds").asInt());
        assertEquals(local.get("last_loss").asDouble(), cluster.get("last_loss").asDouble(), 0.0);
        for (String f : List.of("step-000002/adapter_model.safetensors", "final/adapter_model.safetensors",
                "final/optimizer.safetensors")) {
            assertArrayEquals(Files.readAllBytes(tmp.resolve("run-local").resolve(f)),
                    Files.readAllBytes(tmp.resolve("run-cluster").resolve(f)), f);
        }
    }

    /** Two averaging rounds of 2 workers x 2 local steps, LoRA r=4 on q/k/v/o plus the norms, SF attention. */
    private static JsonNode train(Path data, Path out) throws Exception {
        CliRunner.Result r = CliRunner.run("train", "--base", ModelFixtures.tinyBase().toString(),
                "--data", data.toString(), "--out", out.toString(), "--attention", "sf", "--group-size", "8",
                "--lora-r", "4", "--lora-alpha", "8", "--trainable", "norm", "--learning-rate", "5e-3",
                "--warmup-steps", "2", "--max-steps", "4", "--averaging-frequency", "2", "--workers", "2",
                "--save-every", "2", "--seed", "7");
        assertEquals(0, r.exitCode(), r.err());
        return JSON.readTree(r.lastLine());
    }
}
