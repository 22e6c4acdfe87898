package dev.sinklora.cli;

import dev.sinklora.testing.BadModels;
import dev.sinklora.testing.LogCapture;
import dev.sinklora.testing.ModelFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad models, adapters and output paths through the CLI (score, generate, merge): each is one line on stderr naming
 * the file and the reason, exit 2, and nothing is written; what is accepted but odd is a warning.
 */
class ModelInputErrorsTest {

    @TempDir
    Path tmp;

    private static final String TOKENS = "1,242,161,176,229,149,199,213";

    /** Exit 2, one line {@code sinklora <command>: error: ...} containing every {@code expected}. */
    static CliRunner.Result assertOneLineError(CliRunner.Result r, String... expected) {
        assertEquals(2, r.exitCode(), "exit code; stderr: " + r.err());
        String err = r.err().strip();
        assertTrue(err.matches("sinklora [a-z-]+: error: [^\n]+"), "not one error line: " + err);
        assertFalse(err.contains("[Source:"), "Jackson's source excerpt leaked: " + err);
        for (String e : expected) {
            assertTrue(err.contains(e), "missing '" + e + "' in: " + err);
        }
        return r;
    }

    private CliRunner.Result score(Path model, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("score", "--model", model.toString(), "--tokens", TOKENS));
        args.addAll(List.of(more));
        return CliRunner.run(args.toArray(String[]::new));
    }

    @Test
    void malformedConfigJsonNamesFileLineAndColumn() throws Exception {
        Path model = BadModels.copyBase(tmp.resolve("m"));
        Files.writeString(model.resolve("config.json"), "{\"hidden_size\": 64,\n \"num_hidden_layers\" 2}\n");
        CliRunner.Result r = assertOneLineError(score(model), "config.json: not valid JSON at line 2, column 23",
                "was expecting a colon");
        assertEquals("", r.out());
    }

    @Test
    void malformedAdapterConfigAndSinkloraJsonNameTheFile() throws Exception {
        Path adapter = BadModels.copyAdapter(tmp.resolve("a"));
        Files.writeString(adapter.resolve("adapter_config.json"), "{\"r\": 4,");
        assertOneLineError(score(ModelFixtures.tinyBase(), "--adapter", adapter.toString()),
                "adapter_config.json: not valid JSON at line 1, column 9", "end-of-input");

        Path trained = BadModels.copyAdapter(tmp.resolve("b"));
        Files.writeString(trained.resolve("sinklora.json"), "{\"rope_scaling\": {\"factor\": 2.0,, }}");
        assertOneLineError(score(ModelFixtures.tinyBase(), "--adapter", trained.toString()),
                "sinklora.json: not valid JSON at line 1, column 34");
    }

    @Test
    void malformedTokenizerJsonNamesTheFile() throws Exception {
        Path tok = tmp.resolve("tokenizer.json");
        Files.writeString(tok, "{\"model\": {\"type\": \"WordLevel\", \"vocab\": {\"a\": 0 \"b\": 1}}}");
        assertOneLineError(CliRunner.run("score", "--model", ModelFixtures.tinyBase().toString(), "--text", "a b",
                "--tokenizer", tok.toString()), "tokenizer.json: not valid JSON at line 1, column 51");
    }

    @Test
    void fewerLayersInConfigThanInTheCheckpointIsRefusedNamingTheUnusedTensors() throws Exception {
        Path model = BadModels.copyBase(tmp.resolve("m"));
        BadModels.edit(model, "config.json", s -> s.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 1"));
        assertOneLineError(score(model), "9 tensor(s) config.json does not account for",
                "model.layers.1.input_layernorm.weight", "num_hidden_layers 1, the checkpoint 2 layers");

        Path out = tmp.resolve("merged");
        assertOneLineError(CliRunner.run("merge", "--base", model.toString(), "--adapter",
                ModelFixtures.tinyAdapter().toString(), "--out", out.toString()), "does not account for");
        assertEquals(List.of(), BadModels.listing(out));
    }

    @Test
    void aHugeLayerCountFailsBeforeAnythingIsAllocated() throws Exception {
        Path model = BadModels.copyBase(tmp.resolve("m"));
        BadModels.edit(model, "config.json",
                s -> s.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 1000000000"));
        assertOneLineError(score(model), "num_hidden_layers 1000000000 but the checkpoint holds layers 0..1");
    }

    @Test
    void nanInAnAdaptersLoraBIsRefusedByScoreGenerateAndMerge() throws Exception {
        Path adapter = tmp.resolve("nan");
        String key = BadModels.adapterWithValueInB(adapter, Float.NaN);
        String expected = "adapter_model.safetensors: tensor '" + key + "' has 1 NaN/Inf value(s) (first: NaN)";
        assertOneLineError(score(ModelFixtures.tinyBase(), "--adapter", adapter.toString()), expected);
        CliRunner.Result g = assertOneLineError(CliRunner.run("generate", "--model", ModelFixtures.tinyBase().toString(),
                "--adapter", adapter.toString(), "--prompt-tokens", TOKENS, "--max-new-tokens", "5"), expected);
        assertEquals("", g.out(), "no tokens printed");
        Path out = tmp.resolve("merged");
        assertOneLineError(CliRunner.run("merge", "--base", ModelFixtures.tinyBase().toString(), "--adapter",
                adapter.toString(), "--out", out.toString()), expected);
        assertFalse(Files.exists(out));
    }

    @Test
    void aNonFiniteScoreIsAnErrorNotNaN() throws Exception {
        Path model = BadModels.baseWithValue(tmp.resolve("m"), "model.norm.weight", Float.NaN);
        CliRunner.Result r = assertOneLineError(score(model), "next-token NLL at position 0 is NaN",
                "logits are not finite");
        assertFalse(r.out().contains("mean_nll"), r.out());

        CliRunner.Result g = assertOneLineError(CliRunner.run("generate", "--model", model.toString(),
                "--prompt-tokens", TOKENS, "--max-new-tokens", "5"), "logits at position 8 are not finite");
        assertEquals("", g.out().strip(), "no tokens printed");
    }

    @Test
    void aHugeContextAndTokenBudgetFailsBeforeTheCacheIsAllocated() throws Exception {
        Path model = BadModels.copyBase(tmp.resolve("m"));
        BadModels.edit(model, "config.json", s -> s.replace("\"max_position_embeddings\": 64",
                "\"max_position_embeddings\": 2000000000"));
        assertOneLineError(CliRunner.run("generate", "--model", model.toString(), "--prompt-tokens", TOKENS,
                "--max-new-tokens", "1000000000"), "cannot allocate a KV cache of 1000000008 positions (953.7 GiB",
                "--kv-cache h2o|sink");
        assertOneLineError(CliRunner.run("generate", "--model", model.toString(), "--prompt-tokens", TOKENS,
                "--max-new-tokens", "2147483647"), "positions one sequence can hold");
        // the huge context itself is fine: the cache holds what this run needs
        CliRunner.Result ok = CliRunner.run("generate", "--model", model.toString(), "--prompt-tokens", TOKENS,
                "--max-new-tokens", "3", "--ignore-eos");
        assertEquals(0, ok.exitCode(), ok.err());
        assertEquals(3, new com.fasterxml.jackson.databind.ObjectMapper().readTree(ok.lastLine()).get("tokens").size(),
                ok.out());
    }

    @Test
    void tokenIdsOutsideTheVocabularyAreOneLineForScoreAndGenerate() {
        String m = ModelFixtures.tinyBase().toString();
        for (String[] bad : new String[][]{{"1,256", "token id 256 at position 1"}, {"1,7,-3", "token id -3 at position 2"}}) {
            CliRunner.Result s = assertOneLineError(CliRunner.run("score", "--model", m, "--tokens", bad[0]),
                    bad[1] + " is outside the vocabulary [0, 256)");
            assertEquals("", s.out(), "nothing scored");
            CliRunner.Result g = assertOneLineError(CliRunner.run("generate", "--model", m, "--prompt-tokens", bad[0],
                    "--max-new-tokens", "3"), bad[1] + " is outside the vocabulary [0, 256)");
            assertEquals("", g.out(), "no tokens printed");
        }
        // text through a tokenizer larger than the model's vocabulary: the same check on the encoded ids
        String llama2 = dev.sinklora.testing.TestTokenizers.llama2().toString();
        String text = "the quick brown fox jumps over the lazy dog";
        CliRunner.Result s = assertOneLineError(CliRunner.run("score", "--model", m, "--text", text, "--tokenizer",
                llama2), "is outside the vocabulary [0, 256)");
        assertEquals("", s.out());
        CliRunner.Result g = assertOneLineError(CliRunner.run("generate", "--model", m, "--prompt", text,
                "--tokenizer", llama2, "--max-new-tokens", "3"), "is outside the vocabulary [0, 256)");
        assertEquals("", g.out());
    }

    @Test
    void mergeOutUnderAFileOrInAnUnwritableFolderIsOneLineAndWritesNothing() throws Exception {
        Path file = Files.writeString(tmp.resolve("notes.txt"), "keep me");
        CliRunner.Result r = assertOneLineError(merge(file.resolve("merged")), "cannot write the output there",
                file + " is a file, not a directory");
        assertEquals(List.of("notes.txt"), BadModels.listing(tmp));
        assertEquals("keep me", Files.readString(file));

        // /proc refuses new directories to everyone, root included
        assertOneLineError(merge(Path.of("/proc/sinklora-merge-test")), "/proc/sinklora-merge-test: cannot write the "
                + "output there: cannot create directories in file:/proc");
    }

    @Test
    void mergeIntoAnExistingEmptyDirectory() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out"));
        CliRunner.Result r = merge(out);
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(List.of("config.json", "model.safetensors"), BadModels.listing(out));
        assertEquals(List.of("out"), BadModels.listing(tmp).stream().map(p -> p.split("/")[0]).distinct().toList());

        Files.writeString(out.resolve("config.json"), "{}");
        assertOneLineError(merge(out), "output already exists; pass --overwrite");
        assertEquals("{}", Files.readString(out.resolve("config.json")));
    }

    private static CliRunner.Result merge(Path out) {
        return CliRunner.run("merge", "--base", ModelFixtures.tinyBase().toString(), "--adapter",
                ModelFixtures.tinyAdapter().toString(), "--out", out.toString());
    }

    @Test
    void anEosOutsideTheVocabularyAndAnUnknownSinkloraVersionAreWarnings() throws Exception {
        Path model = BadModels.copyBase(tmp.resolve("m"));
        BadModels.edit(model, "config.json", s -> s.replace("\"eos_token_id\": 2", "\"eos_token_id\": 999"));
        Path adapter = BadModels.copyAdapter(tmp.resolve("a"));
        Files.writeString(adapter.resolve("sinklora.json"), "{\"format\": \"sinklora-adapter/7\", \"rope_scaling\": null}");
        try (LogCapture log = LogCapture.start()) {
            CliRunner.Result r = score(model, "--adapter", adapter.toString());
            assertEquals(0, r.exitCode(), r.err());
            String warnings = String.join("\n", log.lines());
            // score reads through Hadoop FileSystem (as eval-ppl and passkey do): local paths show as file: URIs
            assertTrue(warnings.contains("WARN file:" + model.resolve("config.json") + ": eos_token_id 999 is outside the "
                    + "vocabulary [0, 256)"), warnings);
            assertTrue(warnings.contains("sinklora.json: format 'sinklora-adapter/7' is not 'sinklora-adapter/1'"),
                    warnings);
        }
    }
}
