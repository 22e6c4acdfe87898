package dev.sinklora.model.generate;

import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.llama.Fixtures;
import dev.sinklora.model.llama.Llama3Reference;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.Projection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tiny fixture model with llama3 RoPE scaling (its config.json given {@code rope_scaling} of the reference case
 * "tiny-fixture": factor 4, low 1, high 4, original 64, so its 8 frequencies take all three rules), alone and with
 * linear interpolation x4 on top: the incremental decoder equals the model core at every step, and the model core
 * equals a double-precision oracle that uses the committed reference frequencies.
 */
class Llama3RopeDecodingTest {

    /** Model core (FP32) against the double-precision oracle: observed 1.3e-5 (the decoder: 1.1e-5, checked at 1e-4). */
    static final double ORACLE_TOL = 3e-5;
    static LlamaModel tiny;
    static LlamaModel llama3;
    static Llama3Reference.Case reference;
    static int[] text;

    @BeforeAll
    static void load() throws Exception {
        tiny = LlamaModel.load(Fixtures.tinyBase());
        reference = Llama3Reference.get("tiny-fixture");
        String json = tiny.config().toJson()
                .replace("\"rope_scaling\" : null", "\"rope_scaling\" : " + reference.ropeScalingJson())
                .replace("\"max_position_embeddings\" : 64", "\"max_position_embeddings\" : 256");
        LlamaConfig c = LlamaConfig.parse(json, "tiny llama3 config.json");
        assertEquals(reference.llama3(), c.ropeScaling().llama3());
        llama3 = new LlamaModel(c, tiny.weights());
        text = Fixtures.varyingText(48);
    }

    @Test
    void decoderMatchesTheModelCoreAtEveryStep() {
        float[] got = DecoderMatchesModelTest.assertDecodesLikeModel(llama3, Arrays.copyOf(text, 11), 25, 4);
        // llama3 really changes the numbers (only the kept highest frequency is shared with plain RoPE)
        assertTrue(DecoderMatchesModelTest.maxAbsDiff(got, lastRow(tiny, Arrays.copyOf(text, 11))) > 1e-3);
    }

    @Test
    void decoderMatchesTheModelCoreWithLinearInterpolationOnTop() {
        LlamaModel pi = new LlamaModel(llama3.config().withRopeFactor(4), llama3.weights());
        float[] got = DecoderMatchesModelTest.assertDecodesLikeModel(pi, Arrays.copyOf(text, 11), 25, 5);
        assertTrue(DecoderMatchesModelTest.maxAbsDiff(got, lastRow(llama3, Arrays.copyOf(text, 11))) > 1e-3,
                "the linear factor should change the logits");
        LlamaModel linearOnly = new LlamaModel(tiny.config().withRopeFactor(4), tiny.weights());
        assertTrue(DecoderMatchesModelTest.maxAbsDiff(got, lastRow(linearOnly, Arrays.copyOf(text, 11))) > 1e-3,
                "the llama3 frequencies should stay under the linear factor");
    }

    @Test
    void modelCoreMatchesAnOracleWithTheReferenceFrequencies() {
        assertCoreMatchesOracle(llama3);
        assertCoreMatchesOracle(new LlamaModel(llama3.config().withRopeFactor(4), llama3.weights()));
    }

    /** Every row of the model core's logits on {@code text} against the oracle run one position at a time. */
    static void assertCoreMatchesOracle(LlamaModel model) {
        INDArray core = model.logits(new int[][]{text}, AttentionPattern.FULL, Projection.PLAIN);   // [N, vocab]
        DenseCacheOracle oracle = new DenseCacheOracle(model, CachePolicy.FULL, reference.invFreq());
        for (int t = 0; t < text.length; t++) {
            double[] want = oracle.step(text[t]);
            float[] got = core.getRow(t).toFloatVector();
            double m = 0;
            for (int v = 0; v < want.length; v++) {
                m = Math.max(m, Math.abs(want[v] - got[v]));
            }
            assertTrue(m <= ORACLE_TOL, "rope factor " + model.config().ropeFactor() + ", position " + t
                    + ": max |logit diff| " + m);
        }
    }

    static float[] lastRow(LlamaModel model, int[] tokens) {
        return model.logits(new int[][]{tokens}, AttentionPattern.FULL, Projection.PLAIN)
                .getRow(tokens.length - 1).toFloatVector();
    }
}
