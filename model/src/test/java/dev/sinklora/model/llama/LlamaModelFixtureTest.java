package dev.sinklora.model.llama;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.score.SequenceScorer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model core against the independent reference values of shared/fixtures/tiny-llama/expected.json. */
class LlamaModelFixtureTest {

    static LlamaModel model;

    /** FP32 model core against the float64 reference: observed up to 2.7e-7 (sf). */
    static final double MEAN_NLL_TOL = 3e-6;
    /** Observed up to 3.4e-6 (sf). */
    static final double LOGIT_TOL = 3e-5;

    @BeforeAll
    static void load() throws Exception {
        model = LlamaModel.load(Fixtures.tinyBase());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"full", "s2", "s2-reassembled", "sf"})
    void meanNllAndLastLogitsMatchTheReference(String caseName) {
        JsonNode c = caseNamed(caseName);
        AttentionPattern pattern = Fixtures.pattern(c.get("attention"));
        assertEquals(caseName, pattern.mode().cliName());

        SequenceScorer.Score s = SequenceScorer.score(model, Fixtures.expectedTokens(), pattern, Projection.PLAIN);

        assertEquals(c.get("mean_nll").asDouble(), s.meanNll(), MEAN_NLL_TOL, caseName + " mean_nll");
        JsonNode first8 = c.get("logits_last_row_first8");
        for (int i = 0; i < 8; i++) {
            assertEquals(first8.get(i).asDouble(), s.lastLogits()[i], LOGIT_TOL, caseName + " logit " + i);
        }
    }

    @Test
    void patternsReallyDifferOnTheFixture() {
        int[] tokens = Fixtures.expectedTokens();
        double full = SequenceScorer.score(model, tokens, AttentionPattern.FULL, Projection.PLAIN).meanNll();
        double s2 = SequenceScorer.score(model, tokens, new AttentionPattern(AttentionMode.S2, 8, 0), Projection.PLAIN).meanNll();
        double sf = SequenceScorer.score(model, tokens, new AttentionPattern(AttentionMode.SF, 8, 4), Projection.PLAIN).meanNll();
        assertNotEquals(full, s2, 1e-3);
        assertNotEquals(s2, sf, 1e-3);
    }

    @Test
    void batchedSequencesScoreLikeSingleOnes() {
        int[] a = Fixtures.expectedTokens();
        int[] b = a.clone();
        for (int i = 0; i < b.length; i++) {
            b[i] = (b[i] * 7 + 3) % model.config().vocabSize();
        }
        AttentionPattern sf = new AttentionPattern(AttentionMode.SF, 8, 4);
        var both = model.logits(new int[][]{a, b}, sf, Projection.PLAIN);
        var onlyB = model.logits(new int[][]{b}, sf, Projection.PLAIN);
        int n = a.length;
        for (int t = 0; t < n; t++) {
            for (int v = 0; v < 16; v++) {
                assertEquals(onlyB.getFloat(t, v), both.getFloat(n + t, v), 1e-4, "row " + t);
            }
        }
    }

    @Test
    void tokenOutsideVocabularyIsRejected() {
        int[] tokens = {1, 5, 256};
        BadInputException e = assertThrows(BadInputException.class,
                () -> SequenceScorer.score(model, tokens, AttentionPattern.FULL, Projection.PLAIN));
        assertTrue(e.getMessage().contains("256") && e.getMessage().contains("position 2"), e.getMessage());
    }

    @Test
    void fewerThanTwoTokensIsRejected() {
        BadInputException e = assertThrows(BadInputException.class,
                () -> SequenceScorer.score(model, new int[]{1}, AttentionPattern.FULL, Projection.PLAIN));
        assertTrue(e.getMessage().contains("at least 2 tokens"), e.getMessage());
    }

    @Test
    void wrongTensorShapeIsRejectedByName() {
        var w = new java.util.LinkedHashMap<>(model.weights());
        w.put("model.layers.1.mlp.up_proj.weight", org.nd4j.linalg.factory.Nd4j.zeros(
                org.nd4j.linalg.api.buffer.DataType.FLOAT, 171, 64));
        BadInputException e = assertThrows(BadInputException.class, () -> new LlamaModel(model.config(), w));
        assertTrue(e.getMessage().contains("model.layers.1.mlp.up_proj.weight"), e.getMessage());
        w.remove("model.norm.weight");
        e = assertThrows(BadInputException.class, () -> new LlamaModel(model.config(), Map.copyOf(w)));
    }

    private static JsonNode caseNamed(String name) {
        for (JsonNode c : Fixtures.expected().get("cases")) {
            if (c.get("name").asText().equals(name)) {
                return c;
            }
        }
        throw new IllegalStateException("no case " + name);
    }
}
