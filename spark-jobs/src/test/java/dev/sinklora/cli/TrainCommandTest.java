package dev.sinklora.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.testing.ModelFixtures;
import dev.sinklora.testing.SparkTestSession;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `sinklora train` through the CLI: the JSON summary and one-line option errors. */
class TrainCommandTest {

    @TempDir
    static Path tmp;
    static Path data;

    @BeforeAll
    static void writeCorpus() throws Exception {
        data = tmp.resolve("corpus");
        StructType schema = new StructType()
                .add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
                .add("length", DataTypes.IntegerType, false);
        List<org.apache.spark.sql.Row> rows = new ArrayList<>();
        for (int k = 0; k < 8; k++) {
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                ids.add(i == 0 ? 1 : 5 + (k * 11 + i * 5) % 50);
            }
            rows.add(RowFactory.create(ids, 32));
        }
        SparkTestSession.get().createDataFrame(rows, schema).coalesce(1).write().parquet(data.resolve("train").toString());
        Files.writeString(data.resolve("manifest.json"), "{\"seq_len\": 32}");
    }

    private String[] args(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--base", ModelFixtures.tinyBase().toString(),
                "--data", data.toString(), "--out", out.toString()));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    @Test
    void trainsAndPrintsTheSummaryAsTheLastLine() throws Exception {
        SparkTestSession.get(); // the command's getOrCreate() finds the test session
        Path out = tmp.resolve("run");
        CliRunner.Result r = CliRunner.run(args(out, "--max-steps", "4", "--averaging-frequency", "2",
                "--workers", "2", "--learning-rate", "5e-3", "--warmup-steps", "0", "--lora-r", "4", "--save-every", "2"));
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.lastLine());
        assertEquals(4, j.get("steps").asInt());
        assertEquals(2, j.get("rounds").asInt());
        assertEquals("sf(G=8,S=4)", j.get("attention").asText());
        assertEquals(1.0, j.get("rope_factor").asDouble()); // 32 <= max_position_embeddings 64
        assertTrue(Double.isFinite(j.get("last_loss").asDouble()));
        assertTrue(Files.exists(out.resolve("final/adapter_model.safetensors")));
        assertTrue(Files.exists(out.resolve("step-000002/trainer_state.json")));
    }

    @Test
    void unsupportedOptionsAreOneLineErrors() {
        Path out = tmp.resolve("never");
        assertBad("Unknown options: '--lora-dropout'", args(out, "--lora-dropout", "0.1")); // training applies no dropout
        assertBad("--trainable: unknown trainable extra 'bias'", args(out, "--trainable", "bias"));
        assertBad("--lora-r must be > 0, got 0", args(out, "--lora-r", "0"));
        assertBad("--lora-alpha must be > 0, got -1.0", args(out, "--lora-alpha", "-1"));
        assertBad("--lora-targets: LoRA target 'x_proj' is not a LLaMA projection", args(out, "--lora-targets", "x_proj"));
        assertBad("--learning-rate must be > 0, got 0.0", args(out, "--learning-rate", "0"));
        assertBad("--resume and --overwrite contradict each other", args(out, "--resume", "--overwrite"));
        assertBad("give --max-steps or --epochs, not both", args(out, "--max-steps", "2", "--epochs", "1"));
        assertBad("--group-size and --sink-tokens do not apply", args(out, "--attention", "full", "--group-size", "8"));
        assertBad("unknown attention mode", args(out, "--attention", "dense"));
        assertBad("--recompute: unknown mode 'all'", args(out, "--recompute", "all"));
        assertTrue(Files.notExists(out), "nothing written for rejected options");
    }

    private static void assertBad(String expected, String... args) {
        CliRunner.Result r = CliRunner.run(args);
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().startsWith("sinklora train: error: ") && r.err().contains(expected), r.err());
    }
}
