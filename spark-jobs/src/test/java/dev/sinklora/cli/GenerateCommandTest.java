package dev.sinklora.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.io.safetensors.DType;
import dev.sinklora.model.io.safetensors.SafetensorsWriter;
import dev.sinklora.model.random.RandomLlama;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code sinklora generate} end to end on a small random checkpoint written to disk. */
class GenerateCommandTest {

    @TempDir
    static Path dir;
    static Path model;
    static Path tokenizer;

    @BeforeAll
    static void writeModelAndTokenizer() throws Exception {
        model = Files.createDirectories(dir.resolve("model"));
        LlamaConfig c = RandomLlama.config(32, 48, 4, 2, 2, 64, 128, false);
        Files.writeString(model.resolve("config.json"), c.toJson());
        Map<String, INDArray> w = RandomLlama.weights(c, 5, 2.0);
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        w.forEach((name, a) -> entries.add(new SafetensorsWriter.Entry(name, DType.F32, a.shape(), () -> a)));
        SafetensorsWriter.write(model.resolve(SafetensorsWriter.SINGLE_FILE_NAME), entries, Map.of());

        // a word-level tokenizer over the model's 64 ids: <unk> <s> </s> w3 .. w63, BOS added
        StringBuilder vocab = new StringBuilder("\"<unk>\": 0, \"<s>\": 1, \"</s>\": 2");
        for (int i = 3; i < 64; i++) {
            vocab.append(", \"w").append(i).append("\": ").append(i);
        }
        tokenizer = dir.resolve("tokenizer.json");
        Files.writeString(tokenizer, """
                {"version": "1.0", "truncation": null, "padding": null,
                 "added_tokens": [
                   {"id": 0, "content": "<unk>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
                   {"id": 1, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
                   {"id": 2, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
                 "normalizer": null, "pre_tokenizer": {"type": "WhitespaceSplit"},
                 "post_processor": {"type": "TemplateProcessing",
                   "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                   "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                   "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
                 "decoder": null,
                 "model": {"type": "WordLevel", "vocab": {%s}, "unk_token": "<unk>"}}
                """.formatted(vocab));
    }

    record Run(int rc, List<String> stdout, String stderr) {
        JsonNode json() throws Exception {
            return new ObjectMapper().readTree(stdout.get(stdout.size() - 1));
        }
    }

    static Run run(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        int rc;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            CommandLine cl = SinkLoraCli.commandLine();
            cl.setErr(new PrintWriter(err));
            rc = cl.execute(args);
        } finally {
            System.setOut(saved);
        }
        return new Run(rc, buf.toString(StandardCharsets.UTF_8).lines().toList(), err.toString());
    }

    @Test
    void h2oFromPromptTokensReportsTheCacheAsJsonLast() throws Exception {
        Run r = run("generate", "--model", model.toString(), "--prompt-tokens", "1,5,9,33,7,60,3,8,19,4,42,42,17,18",
                "--max-new-tokens", "16", "--ignore-eos", "--kv-cache", "h2o", "--heavy-budget", "3",
                "--recent-budget", "2", "--sink-tokens", "1");
        assertEquals(0, r.rc(), r.stderr());
        JsonNode j = r.json();
        assertEquals(16, j.get("tokens").size());
        assertEquals(6, j.get("cache_peak").asInt());
        assertEquals(7, j.get("cache_capacity").asInt());
        assertEquals(2L * 2 * 2 * 7 * 8 * 4, j.get("kv_cache_bytes").asLong());   // layers x K,V x KVH x slots x D x 4
        assertEquals(15, j.get("decode_steps").asInt());
        assertTrue(j.get("prefill_ms").asDouble() > 0 && j.get("tokens_per_s").asDouble() > 0);
        // the streamed ids are the generated ones
        StringBuilder ids = new StringBuilder();
        j.get("tokens").forEach(t -> ids.append(ids.length() > 0 ? " " : "").append(t.asInt()));
        assertEquals(ids.toString(), r.stdout().get(r.stdout().size() - 2));
    }

    @Test
    void textPromptIsTokenizedAndTheTextStreamed() throws Exception {
        Run r = run("generate", "--model", model.toString(), "--tokenizer", tokenizer.toString(),
                "--prompt", "w5 w9 w33 w7 w60 w3", "--max-new-tokens", "12", "--ignore-eos", "--kv-cache", "sink",
                "--recent-budget", "3", "--sink-tokens", "2", "--temperature", "0.9", "--top-p", "0.95", "--seed", "7");
        assertEquals(0, r.rc(), r.stderr());
        JsonNode j = r.json();
        assertEquals(7, j.get("prompt_tokens").asInt());     // BOS + 6 words
        assertEquals(5, j.get("cache_peak").asInt());
        String text = j.get("text").asText();
        assertEquals(text, String.join("\n", r.stdout().subList(0, r.stdout().size() - 1)));
        assertEquals(12 - countSpecial(j), text.isEmpty() ? 0 : text.split(" ").length);
        // the same seed gives the same tokens
        assertEquals(j.get("tokens"), run("generate", "--model", model.toString(), "--tokenizer", tokenizer.toString(),
                "--prompt", "w5 w9 w33 w7 w60 w3", "--max-new-tokens", "12", "--ignore-eos", "--kv-cache", "sink",
                "--recent-budget", "3", "--sink-tokens", "2", "--temperature", "0.9", "--top-p", "0.95",
                "--seed", "7").json().get("tokens"));
    }

    @Test
    void userErrorsExitTwoNamingTheOption() {
        String m = model.toString();
        assertUserError("adapter_config.json",
                "generate", "--model", m, "--adapter", m, "--prompt-tokens", "1,2", "--max-new-tokens", "2");
        assertUserError("exactly one of --prompt",
                "generate", "--model", m, "--max-new-tokens", "2");
        assertUserError("--greedy and --temperature are mutually exclusive",
                "generate", "--model", m, "--prompt-tokens", "1,2", "--max-new-tokens", "2", "--greedy", "--temperature", "1");
        assertUserError("--top-p only applies when sampling",
                "generate", "--model", m, "--prompt-tokens", "1,2", "--max-new-tokens", "2", "--top-p", "0.9");
        assertUserError("--recent-budget must be >= 1",
                "generate", "--model", m, "--prompt-tokens", "1,2", "--max-new-tokens", "2", "--kv-cache", "h2o",
                "--recent-budget", "0");
        assertUserError("token id 64 at position 1",
                "generate", "--model", m, "--prompt-tokens", "1,64", "--max-new-tokens", "2");
        assertUserError("--max-new-tokens 200",
                "generate", "--model", m, "--prompt-tokens", "1,2", "--max-new-tokens", "200");
        assertUserError("--chat needs --prompt",
                "generate", "--model", m, "--prompt-tokens", "1,2", "--max-new-tokens", "2", "--chat");
    }

    private static int countSpecial(JsonNode j) {
        int n = 0;
        for (JsonNode t : j.get("tokens")) {
            n += t.asInt() < 3 ? 1 : 0;
        }
        return n;
    }

    private static void assertUserError(String expected, String... args) {
        Run r = run(args);
        assertEquals(2, r.rc(), r.stderr());
        assertTrue(r.stderr().contains(expected), r.stderr());
    }

    /** --adapter: greedy tokens are the argmax of the model core run with the adapter applied unmerged. */
    @Test
    void adapterIsAppliedToGeneration() throws Exception {
        var base = dev.sinklora.model.llama.LlamaModel.load(dev.sinklora.testing.ModelFixtures.tinyBase());
        var adapted = dev.sinklora.model.lora.AdaptedModel.unmerged(base,
                dev.sinklora.model.lora.PeftAdapterIO.read(dev.sinklora.testing.ModelFixtures.tinyAdapter()), "fixture");
        int[] prompt = {1, 242, 161, 176, 229, 149, 199, 213};
        int[] expected = new int[3];
        int[] seq = prompt.clone();
        for (int i = 0; i < expected.length; i++) {
            INDArray logits = adapted.model().logits(new int[][]{seq}, dev.sinklora.model.attention.AttentionPattern.FULL,
                    adapted.projection());
            expected[i] = logits.getRow(seq.length - 1).argMax().getInt(0);
            seq = java.util.Arrays.copyOf(seq, seq.length + 1);
            seq[seq.length - 1] = expected[i];
        }
        var j = run("generate", "--model", dev.sinklora.testing.ModelFixtures.tinyBase().toString(),
                "--adapter", dev.sinklora.testing.ModelFixtures.tinyAdapter().toString(),
                "--prompt-tokens", "1,242,161,176,229,149,199,213", "--max-new-tokens", "3", "--greedy",
                "--ignore-eos").json();
        List<Integer> got = new ArrayList<>();
        j.get("tokens").forEach(t -> got.add(t.asInt()));
        assertEquals(java.util.Arrays.stream(expected).boxed().toList(), got);
    }
}
