package dev.sinklora.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.testing.ModelFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MergeCommandTest {

    /** {@code sinklora merge --base <fixture base> --adapter <fixture adapter> --out <out> <more>}. */
    private static CliRunner.Result merge(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("merge", "--base", ModelFixtures.tinyBase().toString(),
                "--adapter", ModelFixtures.tinyAdapter().toString(), "--out", out.toString()));
        args.addAll(List.of(more));
        return CliRunner.run(args.toArray(String[]::new));
    }

    @Test
    void mergesOneAdapterAndRefusesToOverwriteWithoutTheFlag(@TempDir Path tmp) {
        Path out = tmp.resolve("merged");
        CliRunner.Result r = merge(out, "--dtype", "bf16", "--max-shard-size", "100KB");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("\"ok\":true") && r.out().contains("\"dtype\":\"BF16\""), r.out());
        assertTrue(Files.exists(out.resolve("model.safetensors.index.json")));

        CliRunner.Result again = merge(out);
        assertEquals(2, again.exitCode());
        assertTrue(again.err().contains("already exists") && again.err().contains("--overwrite"), again.err());

        CliRunner.Result forced = merge(out, "--overwrite");
        assertEquals(0, forced.exitCode(), forced.err());
        assertTrue(Files.exists(out.resolve("model.safetensors")), "the default --max-shard-size (5GB) writes one file");
        assertFalse(Files.exists(out.resolve("model.safetensors.index.json")), "replaced, not mixed");
    }

    @Test
    void badOptionsAreOneLineErrors(@TempDir Path tmp) {
        CliRunner.Result r = merge(tmp.resolve("o"), "--dtype", "F8");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--dtype") && r.err().contains("F8"), r.err());

        r = merge(tmp.resolve("o"), "--max-shard-size", "lots");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--max-shard-size") && r.err().contains("lots"), r.err());

        r = merge(tmp.resolve("o"), "--rope-factor", "-2");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--rope-factor"), r.err());

        r = CliRunner.run("merge", "--base", ModelFixtures.tinyBase().toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--adapter") && r.err().contains("--adapters"), r.err());
        assertFalse(Files.exists(tmp.resolve("o")));
    }

    @Test
    void scoreAppliesAnAdapterUnmerged() throws Exception {
        String tokens = ModelFixtures.expectedTokensCsv();
        String base = ModelFixtures.tinyBase().toString();
        CliRunner.Result plain = CliRunner.run("score", "--model", base, "--tokens", tokens);
        CliRunner.Result adapted = CliRunner.run("score", "--model", base, "--tokens", tokens,
                "--adapter", ModelFixtures.tinyAdapter().toString());
        assertEquals(0, plain.exitCode(), plain.err());
        assertEquals(0, adapted.exitCode(), adapted.err());
        var json = new ObjectMapper().readTree(adapted.lastLine());
        assertEquals(ModelFixtures.tinyAdapter().toString(), json.get("adapter").asText());
        // The independent reference: expected.json's full-attention mean_nll_with_adapter.
        var full = new ObjectMapper().readTree(ModelFixtures.tinyLlama().resolve("expected.json").toFile())
                .get("cases").get(0);
        assertEquals("full", full.get("name").asText());
        assertEquals(full.get("mean_nll_with_adapter").asDouble(), json.get("mean_nll").asDouble(), 1e-6); // observed 7e-8
        double without = new ObjectMapper().readTree(plain.lastLine()).get("mean_nll").asDouble();
        assertTrue(Math.abs(without - json.get("mean_nll").asDouble()) > 0.1);
    }
}
