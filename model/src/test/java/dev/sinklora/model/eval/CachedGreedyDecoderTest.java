package dev.sinklora.model.eval;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.config.RopeScaling;
import dev.sinklora.model.llama.Fixtures;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.Projection;
import dev.sinklora.model.lora.AdaptedModel;
import dev.sinklora.model.lora.LoraAdapter;
import dev.sinklora.model.lora.LoraMerger;
import dev.sinklora.model.lora.PeftAdapterIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The KV-cache greedy decoder gives the same answers as the old path ({@link GreedyDecoder}: a whole forward pass
 * per token) on the tiny fixture: plain, with the adapter (merged for the cache, unmerged for the old path), with
 * position interpolation, and for prompts longer than the model's 64 positions (as passkey tests run them).
 */
class CachedGreedyDecoderTest {

    static LlamaModel base;
    static LoraAdapter adapter;

    @BeforeAll
    static void load() throws Exception {
        base = LlamaModel.load(Fixtures.tinyBase());
        adapter = PeftAdapterIO.read(Fixtures.tinyAdapter());
    }

    static int[] prompt(long seed, int n) {
        Random r = new Random(seed);
        int[] ids = new int[n];
        ids[0] = 1;
        for (int i = 1; i < n; i++) {
            ids[i] = 3 + r.nextInt(base.config().vocabSize() - 3);
        }
        return ids;
    }

    static void assertSameAnswers(LlamaModel merged, AdaptedModel unmerged) {
        Decoder cached = new CachedGreedyDecoder(merged);
        Decoder old = new GreedyDecoder(unmerged.model(), unmerged.projection(), n -> AttentionPattern.FULL);
        int[][] prompts = {EvalGreedyDecoderTest.PROMPT, prompt(1, 60), prompt(2, 150)};
        for (int[] p : prompts) {
            int[] expected = old.generate(p, 6);
            assertArrayEquals(expected, cached.generate(p, 6), "prompt of " + p.length + " tokens");
        }
    }

    @Test
    void sameGreedyAnswersAsTheFullForwardPathWithAndWithoutAnAdapter() {
        assertSameAnswers(base, new AdaptedModel(base, Projection.PLAIN));
        assertSameAnswers(LoraMerger.merged(base, adapter), AdaptedModel.unmerged(base, adapter, "adapter"));
    }

    @Test
    void sameGreedyAnswersWithPositionInterpolation() {
        LlamaModel pi = new LlamaModel(base.config().withRopeScaling(new RopeScaling(4.0)), base.weights());
        assertEquals(4.0, pi.config().ropeFactor());
        assertSameAnswers(pi, new AdaptedModel(pi, Projection.PLAIN));
    }

    @Test
    void zeroTokensIsAnEmptyAnswer() {
        assertEquals(0, new CachedGreedyDecoder(base).generate(EvalGreedyDecoderTest.PROMPT, 0).length);
    }

    @Test
    void nanLogitsAreAnErrorNamingTheDecodingStepNotTokenZero() {
        Map<String, INDArray> weights = new HashMap<>(base.weights());
        INDArray norm = weights.get("model.norm.weight").dup();                        // [hidden]
        norm.putScalar(0, Float.NaN);
        weights.put("model.norm.weight", norm);
        LlamaModel broken = new LlamaModel(base.config(), weights);
        int[] p = EvalGreedyDecoderTest.PROMPT;
        for (Decoder d : List.of(new CachedGreedyDecoder(broken),
                new GreedyDecoder(broken, Projection.PLAIN, n -> AttentionPattern.FULL))) {
            BadInputException e = assertThrows(BadInputException.class, () -> d.generate(p, 3));
            assertEquals("decoding step 1: the model's logits at position " + p.length + " are not finite (NaN):"
                    + " NaN/Inf in the checkpoint or adapter weights?", e.getMessage());
        }
    }
}
