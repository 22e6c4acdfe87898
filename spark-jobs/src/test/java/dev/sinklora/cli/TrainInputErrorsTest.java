package dev.sinklora.cli;

import dev.sinklora.testing.BadModels;
import dev.sinklora.testing.ModelFixtures;
import dev.sinklora.testing.SparkTestSession;
import dev.sinklora.testing.TestTokenizers;
import org.apache.spark.sql.Row;
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

import static dev.sinklora.cli.ModelInputErrorsTest.assertOneLineError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training data that does not fit the base (ids past its vocabulary crashed the JVM in native code), and a damaged
 * newest checkpoint on --resume: one line, exit 2, nothing written or lost.
 */
class TrainInputErrorsTest {

    static final int SEQ = 32;

    @TempDir
    static Path tmp;

    private static String[] train(Path data, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--base", ModelFixtures.tinyBase().toString(),
                "--data", data.toString(), "--out", out.toString(), "--averaging-frequency", "2",
                "--workers", "1", "--save-every", "2", "--lora-r", "4", "--warmup-steps", "0"));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    /** prep-corpus-like rows (input_ids, length) of SEQ ids each; row {@code badRow} holds {@code badId} at 7. */
    private static Path corpus(String name, String manifest, int badRow, int badId) {
        Path dir = tmp.resolve(name);
        StructType schema = new StructType()
                .add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
                .add("length", DataTypes.IntegerType, false);
        List<Row> rows = new ArrayList<>();
        for (int k = 0; k < 8; k++) {
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < SEQ; i++) {
                ids.add(k == badRow && i == 7 ? badId : i == 0 ? 1 : 5 + (k * 11 + i * 5) % 50);
            }
            rows.add(RowFactory.create(ids, SEQ));
        }
        SparkTestSession.get().createDataFrame(rows, schema).coalesce(1).write().parquet(dir.resolve("train").toString());
        try {
            Files.writeString(dir.resolve("manifest.json"), manifest);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return dir;
    }

    @BeforeAll
    static void session() {
        SparkTestSession.get(); // the command's getOrCreate() finds the test session
    }

    @Test
    void dataPreparedWithALargerTokenizerIsRefusedBeforeTraining() throws Exception {
        Path text = Files.writeString(tmp.resolve("docs.jsonl"), "{\"text\": \"a document the llama tokenizer splits\"}\n"
                + "{\"text\": \"into ids far beyond a vocabulary of 256\"}\n");
        Path data = tmp.resolve("llama2-data");
        CliRunner.Result prep = CliRunner.run("prep-corpus", "--input", text.toString(), "--tokenizer",
                TestTokenizers.llama2().toString(), "--seq-len", "16", "--val-fraction", "0", "--out", data.toString());
        assertEquals(0, prep.exitCode(), prep.err());
        Path out = tmp.resolve("never-1");
        assertOneLineError(CliRunner.run(train(data, out)), data.resolve("manifest.json") + ": the data's tokenizer",
                "has 32000 ids but --base's vocab_size is 256", "prepare the data with the base's tokenizer");
        assertTrue(Files.notExists(out));
    }

    @Test
    void aBosOrEosOtherThanTheBasesIsRefused() {
        Path bos = corpus("bos", "{\"seq_len\": 32, \"tokenizer\": {\"bos_id\": 5, \"eos_id\": 2, \"vocab_size\": 200}}",
                -1, 0);
        assertOneLineError(CliRunner.run(train(bos, tmp.resolve("never-2"))),
                "begins documents with BOS id 5 but --base's bos_token_id is 1");
        Path eos = corpus("eos", "{\"seq_len\": 32, \"tokenizer\": {\"bos_id\": 1, \"eos_id\": 3, \"vocab_size\": 200}}",
                -1, 0);
        assertOneLineError(CliRunner.run(train(eos, tmp.resolve("never-2"))),
                "ends documents with EOS id 3 but --base's eos_token_id is 2");
        assertTrue(Files.notExists(tmp.resolve("never-2")));
    }

    @Test
    void aRowWithAnIdOutsideTheVocabularyIsNamedAndAnOverwrittenRunIsKept() throws Exception {
        Path data = corpus("row-ids", "{\"seq_len\": 32}", 5, 300);
        Path out = Files.createDirectories(tmp.resolve("old-run"));
        Files.writeString(out.resolve("metrics.jsonl"), "{\"step\": 2, \"loss\": 5.0}\n");
        CliRunner.Result r = assertOneLineError(CliRunner.run(train(data, out, "--overwrite")),
                "input_ids: token id 300 at position 7 is outside the vocabulary [0, 256) of --base");
        assertTrue(r.err().matches("(?s).*" + java.util.regex.Pattern.quote(data.resolve("train").toString())
                + "/part-[^ ]+\\.parquet: row 5: .*"), r.err());
        assertEquals(List.of("metrics.jsonl"), BadModels.listing(out), "--overwrite deleted nothing");

        Path negative = corpus("negative-ids", "{\"seq_len\": 32}", 2, -4);
        assertOneLineError(CliRunner.run(train(negative, tmp.resolve("never-3"))),
                "row 2: input_ids: token id -4 at position 7");
        assertTrue(Files.notExists(tmp.resolve("never-3")));
    }

    @Test
    void moreWorkersThanTaskSlotsIsOneLineAndAnOverwrittenRunIsKept() throws Exception {
        Path data = corpus("workers", "{\"seq_len\": 32}", -1, 0);
        Path out = Files.createDirectories(tmp.resolve("old-run-workers"));
        Files.writeString(out.resolve("metrics.jsonl"), "{\"step\": 2, \"loss\": 5.0}\n");
        String[] args = train(data, out, "--overwrite");
        args[java.util.Arrays.asList(args).indexOf("--workers") + 1] = "1000";
        assertOneLineError(CliRunner.run(args), "--workers 1000: this Spark application has 2 task slots",
                "use at most 2");
        assertEquals(List.of("metrics.jsonl"), BadModels.listing(out), "--overwrite deleted nothing");

        Path fresh = tmp.resolve("never-workers");
        args = train(data, fresh);
        args[java.util.Arrays.asList(args).indexOf("--workers") + 1] = "1000";
        assertOneLineError(CliRunner.run(args), "--workers 1000: ");
        assertTrue(Files.notExists(fresh));
    }

    @Test
    void sftLabelsOutsideTheVocabularyAreRefused() {
        Path dir = tmp.resolve("sft");
        StructType schema = new StructType()
                .add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
                .add("labels", DataTypes.createArrayType(DataTypes.IntegerType, false), false);
        List<Row> rows = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            List<Integer> ids = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                ids.add(i == 0 ? 1 : 5 + (k + i) % 40);
                labels.add(i < 6 ? -100 : k == 3 && i == 9 ? 999 : 5 + (k + i) % 40);
            }
            rows.add(RowFactory.create(ids, labels));
        }
        SparkTestSession.get().createDataFrame(rows, schema).coalesce(1).write().parquet(dir.resolve("train").toString());
        try {
            Files.writeString(dir.resolve("manifest.json"), "{\"max_len\": 16, \"prompt_tokens\": 24}");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertOneLineError(CliRunner.run(train(dir, tmp.resolve("never-4"))),
                "row 3: labels (other than -100): token id 999 at position 8 is outside the vocabulary [0, 256)");
        assertTrue(Files.notExists(tmp.resolve("never-4")));
    }

    @Test
    void aDamagedNewestCheckpointNamesThePreviousOneOnResume() throws Exception {
        Path data = corpus("good", "{\"seq_len\": 32}", -1, 0);
        Path out = trained(data, "run", 4);
        Path state = out.resolve("step-000004/trainer_state.json");
        String good = Files.readString(state);
        Files.writeString(state, "{\"step\": 4, \"round\":");
        List<String> before = BadModels.listing(out);

        assertOneLineError(CliRunner.run(train(data, out, "--resume", "--max-steps", "8")),
                "checkpoint step-000004 is damaged: ", "trainer_state.json: not valid JSON at line 1, column 21",
                "the previous complete checkpoint is file:" + out.resolve("step-000002"),
                "move step-000004 aside and --resume again");
        assertEquals(before, BadModels.listing(out), "nothing written or removed");
        assertEquals("{\"step\": 4, \"round\":", Files.readString(state));

        Files.writeString(state, good);
        Files.delete(out.resolve("step-000004/optimizer.safetensors"));
        assertOneLineError(CliRunner.run(train(data, out, "--resume", "--max-steps", "8")),
                "checkpoint step-000004 is damaged: ", "optimizer.safetensors",
                "the previous complete checkpoint is file:" + out.resolve("step-000002"));

        // an earlier checkpoint without its trainer_state.json is not offered
        Files.move(out.resolve("step-000002/trainer_state.json"), out.resolve("step-000002/trainer_state.json.bak"));
        List<String> now = BadModels.listing(out);
        CliRunner.Result none = assertOneLineError(CliRunner.run(train(data, out, "--resume", "--max-steps", "8")),
                "checkpoint step-000004 is damaged: ", "; there is no earlier complete checkpoint");
        assertTrue(!none.err().contains("step-000002"), none.err());
        assertEquals(now, BadModels.listing(out), "nothing written or removed");
    }

    /** A finished run of {@code steps} steps on {@code data} in {@code tmp/name}. */
    private static Path trained(Path data, String name, int steps) {
        Path out = tmp.resolve(name);
        CliRunner.Result first = CliRunner.run(train(data, out, "--max-steps", String.valueOf(steps)));
        assertEquals(0, first.exitCode(), first.err());
        return out;
    }

    @Test
    void resumeRefusesAnyChangedSettingNamingItAndAcceptsTheSameRunExtended() throws Exception {
        Path data = corpus("same", "{\"seq_len\": 32}", -1, 0);
        Path out = trained(data, "run-contract", 2);
        List<String> before = BadModels.listing(out);
        String metrics = Files.readString(out.resolve("metrics.jsonl"));

        // one kind of change per group, each named; nothing written or lost
        String[][] changes = {
                {"--learning-rate", "1e-3"}, {"--lora-targets", "q_proj,v_proj"}, {"--trainable", "norm"}, {"--sink-tokens", "2"},
                {"--attention", "s2"}, {"--batch-size", "2"}, {"--seed", "5"}};
        for (String[] change : changes) {
            CliRunner.Result r = CliRunner.run(train(data, out, "--resume", "--max-steps", "4", change[0], change[1]));
            assertOneLineError(r, "--resume: checkpoint step-000002 belongs to another run: " + change[0] + " ",
                    "only --max-steps, --epochs, --save-every and --recompute may change");
            assertEquals(before, BadModels.listing(out), "nothing written or removed after " + change[0]);
        }
        // every differing field in the one line
        assertOneLineError(CliRunner.run(train(data, out, "--resume", "--learning-rate", "1e-3", "--weight-decay", "0.1",
                        "--lora-alpha", "4")),
                "--lora-alpha 4.0 (checkpoint: 16.0)", "--learning-rate 0.001 (checkpoint: 2.0E-5)",
                "--weight-decay 0.1 (checkpoint: 0.0)");
        assertEquals(metrics, Files.readString(out.resolve("metrics.jsonl")));

        // the checkpoint records its config as JSON; a checkpoint from before the run config is refused
        Path state = out.resolve("step-000002/trainer_state.json");
        String saved = Files.readString(state);
        var json = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(saved);
        assertEquals(4, json.at("/config/lora/r").asInt());
        assertEquals(1, json.at("/config/run/workers").asInt());
        assertEquals(32, json.at("/config/data/seq_len").asInt()); // resolved from the manifest
        json.remove("config");
        json.putObject("hyperparameters").put("lora_r", 4);
        Files.writeString(state, json.toString());
        assertOneLineError(CliRunner.run(train(data, out, "--resume", "--max-steps", "4")),
                "--resume: checkpoint file:" + out.resolve("step-000002") + " has no run config",
                "resume it with that version, or start over with --overwrite");
        Files.writeString(state, saved);

        // other data swapped in at the same path (its manifest differs): refused, nothing written
        String manifest = Files.readString(data.resolve("manifest.json"));
        Files.writeString(data.resolve("manifest.json"), "{\"seq_len\": 32, \"documents\": 17}");
        assertOneLineError(CliRunner.run(train(data, out, "--resume", "--max-steps", "4")),
                "--resume: checkpoint step-000002 belongs to another run: --data's manifest fingerprint ");
        assertEquals(before, BadModels.listing(out));
        Files.writeString(data.resolve("manifest.json"), manifest);

        // the same run, extended, with another recomputation and the data spelled relative to the working directory:
        // accepted
        Path relative = Path.of("").toAbsolutePath().relativize(data);
        CliRunner.Result resumed = CliRunner.run(train(relative, out, "--resume", "--max-steps", "4", "--recompute",
                "none"));
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(Files.exists(out.resolve("step-000004/trainer_state.json")));
        assertEquals(2, Files.readAllLines(out.resolve("metrics.jsonl")).size()); // rounds of 2 steps
    }
}
