package dev.sinklora.model.lora;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.io.LocalModelDirectory;
import dev.sinklora.model.llama.Fixtures;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.Projection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;

import static dev.sinklora.model.lora.LoraTestSupport.score;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fixture adapter against the independent reference values of expected.json: unmerged, merged in memory, and
 * merged, written and reloaded must agree with each other (1e-5) and with the reference ({@link #REFERENCE_TOL}).
 */
class LoraFixtureTest {

    static LlamaModel base;
    static LoraAdapter adapter;
    static JsonNode expected;
    /** FP32 mean NLLs against the float64 reference: observed up to 4.1e-7 (merged, full attention). */
    static final double REFERENCE_TOL = 4e-6;
    /** FP32 merge of layer 0's q_proj, summed in double: observed 1.6e-7. */
    static final double SUM_TOL = 2e-6;

    @BeforeAll
    static void load() throws Exception {
        base = LlamaModel.load(Fixtures.tinyBase());
        adapter = PeftAdapterIO.read(Fixtures.tinyAdapter());
        expected = Fixtures.expected();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"full", "s2", "s2-reassembled", "sf"})
    void unmergedAdapterMatchesTheReferenceForEveryAttentionCase(String name) {
        JsonNode c = caseNamed(name);
        AttentionPattern pattern = Fixtures.pattern(c.get("attention"));
        AdaptedModel adapted = AdaptedModel.unmerged(base, adapter, "fixture adapter");

        double withAdapter = score(adapted.model(), pattern, adapted.projection());
        double without = score(base, pattern, Projection.PLAIN);

        assertEquals(c.get("mean_nll_with_adapter").asDouble(), withAdapter, REFERENCE_TOL, name);
        assertEquals(c.get("mean_nll").asDouble(), without, REFERENCE_TOL, name);
        assertTrue(Math.abs(withAdapter - without) > 0.1,
                name + ": the adapter must change the score, got " + withAdapter + " vs " + without);
    }

    @Test
    void unmergedMergedAndReloadedScoresAgree(@TempDir Path tmp) throws Exception {
        AttentionPattern full = AttentionPattern.FULL;
        AdaptedModel adapted = AdaptedModel.unmerged(base, adapter, "fixture adapter");
        double unmerged = score(adapted.model(), full, adapted.projection());

        LlamaModel merged = LoraMerger.merged(base, adapter);
        double inMemory = score(merged, full, Projection.PLAIN);

        Path out = tmp.resolve("merged");
        MergeExporter.export(new LocalModelDirectory(Fixtures.tinyBase()),
                new LocalModelDirectory(Fixtures.tinyAdapter()), new LocalModelDirectory(out),
                MergeExporter.Options.defaults());
        double reloaded = score(LlamaModel.load(out), full, Projection.PLAIN);

        assertEquals(unmerged, inMemory, 1e-5);
        assertEquals(unmerged, reloaded, 1e-5);
        assertEquals(expected.get("merged_mean_nll_full").asDouble(), reloaded, REFERENCE_TOL);
        assertEquals(expected.get("merged_mean_nll_full").asDouble(), inMemory, REFERENCE_TOL);
        assertTrue(Math.abs(reloaded - score(base, full, Projection.PLAIN)) > 0.1);
    }

    @Test
    void mergedLayer0QProjSumMatchesTheReference(@TempDir Path tmp) throws Exception {
        String q = "model.layers.0.self_attn.q_proj.weight";
        double want = expected.get("merged_q_proj_layer0_sum").asDouble();

        assertEquals(want, sum(LoraMerger.merged(base, adapter).weights().get(q)), SUM_TOL);

        Path out = tmp.resolve("merged");
        MergeExporter.export(new LocalModelDirectory(Fixtures.tinyBase()),
                new LocalModelDirectory(Fixtures.tinyAdapter()), new LocalModelDirectory(out),
                MergeExporter.Options.defaults());
        assertEquals(want, sum(LlamaModel.load(out).weights().get(q)), SUM_TOL);
        assertTrue(Math.abs(want - sum(base.weights().get(q))) > 1e-2, "the merge must change q_proj");
    }

    @Test
    void inMemoryMergeLeavesTheBaseUntouched() {
        String q = "model.layers.1.self_attn.v_proj.weight";
        double before = sum(base.weights().get(q));
        LoraMerger.merged(base, adapter);
        assertEquals(before, sum(base.weights().get(q)), 0.0);
    }

    private static double sum(INDArray a) {
        double s = 0;
        for (float v : LoraTestSupport.floats(a)) {
            s += v;
        }
        return s;
    }

    private static JsonNode caseNamed(String name) {
        for (JsonNode c : expected.get("cases")) {
            if (c.get("name").asText().equals(name)) {
                return c;
            }
        }
        throw new IllegalStateException("no case " + name);
    }
}
