package dev.sinklora.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.config.RopeScaling;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.Projection;
import dev.sinklora.model.lora.AdaptedModel;
import dev.sinklora.model.lora.AdapterTrainingInfo;
import dev.sinklora.model.lora.PeftAdapterIO;
import dev.sinklora.model.score.SequenceScorer;
import dev.sinklora.spark.FrozenBaseCache;
import dev.sinklora.testing.EvalFixtures;
import dev.sinklora.testing.ModelFixtures;
import dev.sinklora.testing.SparkTestSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * sinklora eval-ppl on the tiny fixture over a prep-corpus-shaped split of 130 tokens: results equal {@code score}
 * of the same windows (computed here independently of the window planner), for both protocols.
 */
class EvalPplCommandTest {

    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path tmp;
    static Path data;
    static int[] stream;
    static LlamaModel base;

    @BeforeAll
    static void corpus() throws Exception {
        SparkTestSession.get();
        data = tmp.resolve("corpus");
        stream = EvalFixtures.writeEvalCorpus(SparkTestSession.get(), data);
        base = LlamaModel.load(ModelFixtures.tinyBase());
    }

    static JsonNode evalPpl(String... extra) throws Exception {
        String[] args = new String[6 + extra.length];
        System.arraycopy(new String[]{"eval-ppl", "--model", ModelFixtures.tinyBase().toString(), "--data",
                data.toString(), "--split=validation"}, 0, args, 0, 6);
        System.arraycopy(extra, 0, args, 6, extra.length);
        CliRunner.Result r = CliRunner.run(args);
        assertEquals(0, r.exitCode(), r.err());
        return JSON.readTree(r.lastLine());
    }

    /** Sum of the NLLs of targets [from, end) read in window [begin, end), from {@code score} of whole sequences. */
    static double scoreSum(LlamaModel m, Projection p, int begin, int end, int from) {
        int[] window = Arrays.copyOfRange(stream, begin, end);
        double all = SequenceScorer.score(m, window, AttentionPattern.FULL, p).meanNll() * (window.length - 1);
        int unscored = from - begin - 1; // predictions before `from` in this window (causal: a prefix scores them)
        if (unscored == 0) {
            return all;
        }
        int[] prefix = Arrays.copyOfRange(stream, begin, from);
        return all - SequenceScorer.score(m, prefix, AttentionPattern.FULL, p).meanNll() * unscored;
    }

    @Test
    void longloraEqualsScoreOfEachFullWindowForEveryLength() throws Exception {
        int loadsBefore = FrozenBaseCache.loads();
        JsonNode out = evalPpl("--seq-len", "16,40", "--protocol", "longlora", "--stride", "12");
        assertEquals(2, out.get("results").size());
        for (JsonNode row : out.get("results")) {
            int n = row.get("seq_len").asInt();
            double sum = 0;
            int windows = 0;
            for (int s = 0; s + n <= stream.length; s += 12) { // LongLoRA: full windows every stride
                sum += scoreSum(base, Projection.PLAIN, s, s + n, s + 1);
                windows++;
            }
            assertEquals(windows, row.get("windows").asInt(), "N=" + n);
            assertEquals((long) windows * (n - 1), row.get("tokens").asLong(), "N=" + n);
            assertEquals(sum / (windows * (n - 1.0)), row.get("mean_nll").asDouble(), 1e-9, "N=" + n);
            assertEquals(Math.exp(row.get("mean_nll").asDouble()), row.get("ppl").asDouble(), 1e-9);
        }
        assertEquals(130, out.get("stream_tokens").asInt());
        assertEquals(1.0, out.get("rope_factor").asDouble());
        assertTrue(out.get("rope_source").asText().endsWith("config.json (no rope_scaling)"), out.toString());
        assertTrue(FrozenBaseCache.loads() - loadsBefore <= 1, "base loaded once per executor JVM");
    }

    @Test
    void stridedScoresEveryTokenOnceAndEqualsScore() throws Exception {
        int n = 32;
        int stride = 10;
        JsonNode out = evalPpl("--seq-len", Integer.toString(n), "--protocol", "strided", "--stride",
                Integer.toString(stride));
        // Hugging Face's loop: windows end at s + N (the last at the stream end), scoring what is new
        double sum = 0;
        int windows = 0;
        int prevEnd = 0;
        for (int s = 0; ; s += stride) {
            int end = Math.min(s + n, stream.length);
            int begin = Math.max(0, end - n);
            sum += scoreSum(base, Projection.PLAIN, begin, end, Math.max(prevEnd, 1));
            windows++;
            prevEnd = end;
            if (end == stream.length) {
                break;
            }
        }
        assertEquals(stream.length - 1, out.get("tokens").asLong(), "every token after the first, once");
        assertEquals(0, out.get("unscored_tokens").asLong());
        assertEquals(windows, out.get("windows").asInt());
        assertEquals(sum / (stream.length - 1), out.get("mean_nll").asDouble(), 2e-6);
    }

    @Test
    void maxWindowsKeepsEvenlySpacedWindows() throws Exception {
        JsonNode out = evalPpl("--seq-len", "16", "--stride", "4", "--max-windows", "3");
        // 29 planned windows (starts 0, 4, ..., 112); kept: 0, 9, 19 -> starts 0, 36, 76
        assertEquals(29, out.get("windows_planned").asInt());
        assertEquals(3, out.get("windows").asInt());
        double sum = 0;
        for (int s : new int[]{0, 36, 76}) {
            sum += scoreSum(base, Projection.PLAIN, s, s + 16, s + 1);
        }
        assertEquals(sum / 45, out.get("mean_nll").asDouble(), 1e-9);
    }

    @Test
    void adapterAndRopeFactorReachTheTasks() throws Exception {
        JsonNode out = evalPpl("--seq-len", "16", "--protocol", "strided", "--stride", "8", "--max-windows", "2",
                "--adapter", ModelFixtures.tinyAdapter().toString(), "--rope-factor", "2");
        assertEquals(2.0, out.get("rope_factor").asDouble());
        assertEquals("--rope-factor", out.get("rope_source").asText());
        assertEquals(128, out.get("context_window").asInt()); // max_position_embeddings 64 x 2
        AdaptedModel adapted = AdaptedModel.unmerged(base, PeftAdapterIO.read(ModelFixtures.tinyAdapter()), "adapter");
        LlamaModel withRope = new LlamaModel(adapted.model().config().withRopeScaling(new RopeScaling(2)),
                adapted.model().weights());
        // 16 strided windows of 16 (stride 8) over 130 tokens; kept: 0 and 8, i.e. [0,16) all and [64,80) from 72
        double sum = scoreSum(withRope, adapted.projection(), 0, 16, 1)
                + scoreSum(withRope, adapted.projection(), 64, 80, 72);
        assertEquals(16, out.get("windows_planned").asInt());
        assertEquals(23, out.get("tokens").asInt());
        assertEquals(sum / 23, out.get("mean_nll").asDouble(), 2e-6);
        double plain = evalPpl("--seq-len", "16", "--protocol", "strided", "--stride", "8", "--max-windows", "2",
                "--adapter", ModelFixtures.tinyAdapter().toString()).get("mean_nll").asDouble();
        assertTrue(Math.abs(plain - out.get("mean_nll").asDouble()) > 1e-3, "RoPE factor changes the result");

        // the same factor recorded in the adapter's sinklora.json, or in a (merged) model's config.json
        Path recorded = tmp.resolve("adapter-rope2");
        Files.createDirectories(recorded);
        try (var files = Files.list(ModelFixtures.tinyAdapter())) {
            for (Path f : files.toList()) {
                Files.copy(f, recorded.resolve(f.getFileName()));
            }
        }
        Files.writeString(recorded.resolve(AdapterTrainingInfo.FILE_NAME), new AdapterTrainingInfo(2.0, null, null).toJson());
        JsonNode fromAdapter = evalPpl("--seq-len", "16", "--protocol", "strided", "--stride", "8", "--max-windows",
                "2", "--adapter", recorded.toString());
        assertEquals(2.0, fromAdapter.get("rope_factor").asDouble());
        assertTrue(fromAdapter.get("rope_source").asText().endsWith("adapter-rope2/sinklora.json"),
                fromAdapter.get("rope_source").asText());
        assertEquals(out.get("mean_nll").asDouble(), fromAdapter.get("mean_nll").asDouble(), 1e-12);

        Path merged = tmp.resolve("base-rope2");
        Files.createDirectories(merged);
        Files.copy(ModelFixtures.tinyBase().resolve("model.safetensors"), merged.resolve("model.safetensors"));
        Files.writeString(merged.resolve("config.json"), Files.readString(ModelFixtures.tinyBase().resolve("config.json"))
                .replace("\"rope_scaling\": null", "\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}"));
        CliRunner.Result r = CliRunner.run("eval-ppl", "--model", merged.toString(), "--data", data.toString(),
                "--seq-len", "16", "--protocol", "strided", "--stride", "8", "--max-windows", "2");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode fromConfig = JSON.readTree(r.lastLine());
        assertEquals(2.0, fromConfig.get("rope_factor").asDouble());
        assertTrue(fromConfig.get("rope_source").asText().endsWith("base-rope2/config.json"), fromConfig.toString());
        double baseOnly = scoreSum(new LlamaModel(base.config().withRopeScaling(new RopeScaling(2)), base.weights()),
                Projection.PLAIN, 0, 16, 1) + scoreSum(new LlamaModel(base.config().withRopeScaling(new RopeScaling(2)),
                base.weights()), Projection.PLAIN, 64, 80, 72);
        assertEquals(baseOnly / 23, fromConfig.get("mean_nll").asDouble(), 2e-6);
    }

    static CliRunner.Result fails(String... args) {
        CliRunner.Result r = CliRunner.run(args);
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().filter(l -> !l.startsWith("sinklora eval-ppl: warning: ")).count(),
                r.err());
        assertTrue(r.err().startsWith("sinklora eval-ppl: error: "), r.err());
        return r;
    }

    @Test
    void badInputIsOneLineAndExitCodeTwo() {
        String model = ModelFixtures.tinyBase().toString();
        String d = data.toString();
        CliRunner.Result split = fails("eval-ppl", "--model", model, "--data", d, "--split", "test", "--seq-len", "16");
        assertTrue(split.err().startsWith("sinklora eval-ppl: error: --split test: "), split.err());
        assertTrue(split.err().contains("does not exist (splits in --data: train, validation)"), split.err());

        CliRunner.Result tooLong = fails("eval-ppl", "--model", model, "--data", d, "--seq-len", "64,200");
        assertTrue(tooLong.err().contains("--seq-len 200 is longer than the data: the split has only 130 tokens"),
                tooLong.err());

        CliRunner.Result protocol = fails("eval-ppl", "--model", model, "--data", d, "--seq-len", "16",
                "--protocol", "sliding");
        assertEquals("sinklora eval-ppl: error: --protocol: unknown protocol 'sliding' (expected longlora or strided)",
                protocol.err().strip());

        CliRunner.Result stride = fails("eval-ppl", "--model", model, "--data", d, "--seq-len", "16",
                "--protocol", "strided", "--stride", "16");
        assertTrue(stride.err().contains("--stride 16 must be smaller than --seq-len 16"), stride.err());

        CliRunner.Result noData = fails("eval-ppl", "--model", model, "--data", tmp.resolve("nothing").toString(),
                "--seq-len", "16");
        assertTrue(noData.err().contains("no manifest.json"), noData.err());

        CliRunner.Result noModel = fails("eval-ppl", "--model", tmp.resolve("no-model").toString(), "--data", d,
                "--seq-len", "16");
        assertTrue(noModel.err().contains("--model ") && noModel.err().contains("not a directory"), noModel.err());

        CliRunner.Result attention = fails("eval-ppl", "--model", model, "--data", d, "--seq-len", "16",
                "--attention", "blocks");
        assertTrue(attention.err().contains("--attention: unknown attention mode 'blocks'"), attention.err());
    }

    /** Ids past the model's vocabulary crashed the JVM in the native embedding gather: refused, naming file and row. */
    @Test
    void idsOutsideTheModelsVocabularyAreNamedBeforeAnyWindowRuns() throws Exception {
        Path other = tmp.resolve("other-tokenizer");
        EvalFixtures.writeManifest(other, 24);
        java.util.Random rnd = new java.util.Random(9);
        int[] second = EvalFixtures.ids(rnd, 24);
        second[5] = 300;
        Path shard = other.resolve("validation/shard-00000.parquet");
        EvalFixtures.writeShard(SparkTestSession.get(), java.util.List.of(EvalFixtures.row(EvalFixtures.ids(rnd, 24), 24),
                EvalFixtures.row(second, 24)), shard);
        CliRunner.Result r = fails("eval-ppl", "--model", ModelFixtures.tinyBase().toString(), "--data",
                other.toString(), "--seq-len", "16");
        assertTrue(r.err().contains(shard.getFileName() + ": row 1: token id 300 at position 5 is outside the "
                + "vocabulary [0, 256) of --model"), r.err());
        assertEquals("", r.out(), "no results printed");
    }
}
