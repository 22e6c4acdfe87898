package dev.sinklora.model.generate;

import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.config.RopeScaling;
import dev.sinklora.model.llama.Fixtures;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.Projection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The eager incremental decoder against the model core (LlamaGraph via {@link LlamaModel#logits}) re-run
 * on the whole sequence: the same logits (1e-4) after the prompt and at every decoding step.
 */
class DecoderMatchesModelTest {

    static final double TOL = 1e-4;
    static LlamaModel tiny;

    @BeforeAll
    static void load() throws Exception {
        tiny = LlamaModel.load(Fixtures.tinyBase());
    }

    @Test
    void fullCacheMatchesTheModelCoreAtEveryStep() {
        int[] prompt = Arrays.copyOf(Fixtures.expectedTokens(), 11);
        assertDecodesLikeModel(tiny, prompt, 20, 5);
    }

    @Test
    void chunkedPrefillMatchesTheModelCore() {
        // chunk 4 over a 11-token prompt: blocks of 4, 4, 3, each against all earlier keys
        int[] prompt = Arrays.copyOf(Fixtures.expectedTokens(), 11);
        assertDecodesLikeModel(tiny, prompt, 3, 4);
    }

    @Test
    void oneTokenPromptMatchesTheModelCore() {
        assertDecodesLikeModel(tiny, new int[]{1}, 12, 256);
    }

    @Test
    void linearRopeInterpolationIsAppliedAtOriginalPositions() {
        LlamaModel scaled = new LlamaModel(tiny.config().withRopeScaling(new RopeScaling(4.0)), tiny.weights());
        int[] prompt = Arrays.copyOf(Fixtures.expectedTokens(), 9);
        float[] plain = assertDecodesLikeModel(scaled, prompt, 8, 3);
        // the factor really changes the numbers, so the comparison above covers it
        float[] unscaled = tiny.logits(new int[][]{prompt}, AttentionPattern.FULL, Projection.PLAIN)
                .getRow(prompt.length - 1).toFloatVector();
        assertTrue(maxAbsDiff(plain, unscaled) > 1e-3, "rope factor 4 should change the logits");
    }

    @Test
    void groupedQueryAttentionMatchesTheModelCore() {
        LlamaModel gqa = RandomModels.gqa(7);
        assertEquals(2, gqa.config().numAttentionHeads() / gqa.config().numKeyValueHeads());
        int[] prompt = {1, 17, 3, 99, 42, 42, 7, 120, 5, 64};
        assertDecodesLikeModel(gqa, prompt, 14, 4);
    }

    @Test
    void tiedEmbeddingsMatchTheModelCore() {
        LlamaModel tied = RandomModels.tied(11);
        assertTrue(tied.config().tieWordEmbeddings());
        assertDecodesLikeModel(tied, new int[]{3, 1, 4, 1, 5, 9, 2, 6}, 10, 3);
    }

    /**
     * Prefills {@code prompt}, then greedily decodes {@code steps} tokens; after the prompt and after every
     * step the decoder's logits must equal the last row of the model core's logits on the whole sequence.
     * Returns the logits after the prompt.
     */
    static float[] assertDecodesLikeModel(LlamaModel model, int[] prompt, int steps, int chunk) {
        IncrementalDecoder dec = new IncrementalDecoder(model, chunk);
        KvCache cache = dec.newCache(CachePolicy.FULL, prompt.length + steps);
        float[] first = dec.prefill(prompt, cache);
        int[] seq = Arrays.copyOf(prompt, prompt.length + steps);
        float[] logits = first;
        for (int s = 0; s <= steps; s++) {
            int n = prompt.length + s;
            INDArray ref = model.logits(new int[][]{Arrays.copyOf(seq, n)}, AttentionPattern.FULL, Projection.PLAIN);
            float[] want = ref.getRow(n - 1).toFloatVector();
            assertEquals(want.length, logits.length);
            double diff = maxAbsDiff(want, logits);
            assertTrue(diff <= TOL, "step " + s + " (sequence length " + n + "): max |logit diff| " + diff);
            if (s == steps) {
                break;
            }
            int next = Sampler.argmax(logits);
            seq[n] = next;
            logits = dec.step(next, cache);
        }
        assertEquals(prompt.length + steps, cache.length());
        assertEquals(prompt.length + steps, cache.peak());
        for (int l = 0; l < model.config().numHiddenLayers(); l++) {
            int[] all = new int[prompt.length + steps];
            Arrays.setAll(all, i -> i);
            assertArrayEquals(all, cache.positions(l, 0));
        }
        return first;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
