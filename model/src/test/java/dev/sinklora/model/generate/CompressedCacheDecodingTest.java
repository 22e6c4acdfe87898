package dev.sinklora.model.generate;

import dev.sinklora.model.llama.Fixtures;
import dev.sinklora.model.llama.LlamaModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decoding with evicting caches (h2o, sink) against {@link DenseCacheOracle}: at every step the same
 * logits (1e-4), the same held positions per layer and KV head, and (h2o) the same accumulated scores;
 * and h2o with a budget covering the whole sequence is exactly the full cache.
 */
class CompressedCacheDecodingTest {

    static final double TOL = 1e-4;
    static LlamaModel tiny;
    static int[] text;

    @BeforeAll
    static void load() throws Exception {
        tiny = LlamaModel.load(Fixtures.tinyBase());
        text = Fixtures.varyingText(60);
    }

    @Test
    void h2oWithALongPromptMatchesTheOracle() {
        // 24-token prompt compressed to 2 sinks + 3 recent + 3 heavy, then 16 steps evicting one per step
        assertMatchesOracle(tiny, CachePolicy.h2o(2, 3, 3), Arrays.copyOf(text, 24), 16, 5);
    }

    @Test
    void h2oWithAShortPromptStartsEvictingWhileDecoding() {
        assertMatchesOracle(tiny, CachePolicy.h2o(1, 2, 4), Arrays.copyOf(text, 4), 20, 256);
    }

    @Test
    void sinkMatchesTheOracle() {
        assertMatchesOracle(tiny, CachePolicy.sink(3, 4), Arrays.copyOf(text, 20), 16, 7);
    }

    @Test
    void h2oPoolsTheQueryHeadsOfEachKvHeadUnderGqa() {
        LlamaModel gqa = RandomModels.gqa(21);
        KvCache cache = assertMatchesOracle(gqa, CachePolicy.h2o(1, 2, 3), Arrays.copyOf(text, 18), 14, 4);
        // per-head eviction really differs between the KV heads of some layer
        boolean differ = false;
        for (int l = 0; l < gqa.config().numHiddenLayers(); l++) {
            differ |= !Arrays.equals(cache.positions(l, 0), cache.positions(l, 1));
        }
        assertTrue(differ, "KV heads should hold different positions");
    }

    @Test
    void h2oWithABudgetCoveringEverythingGivesExactlyTheFullCacheTokens() {
        int[] prompt = Arrays.copyOf(text, 12);
        int steps = 40;
        Generation full = greedy(tiny, CachePolicy.FULL, prompt, steps);
        Generation h2o = greedy(tiny, CachePolicy.h2o(4, 20, prompt.length + steps - 24), prompt, steps);
        assertArrayEquals(full.tokens, h2o.tokens);
        assertArrayEquals(full.lastLogits, h2o.lastLogits);   // bitwise: the same arithmetic on the same slots
        assertEquals(prompt.length + steps, h2o.peak);

        // and a small budget really changes the generation (so the comparison above is not vacuous)
        Generation small = greedy(tiny, CachePolicy.h2o(1, 2, 2), prompt, steps);
        assertFalse(Arrays.equals(full.tokens, small.tokens));
        assertEquals(5, small.peak);
    }

    record Generation(int[] tokens, float[] lastLogits, int peak) {
    }

    static Generation greedy(LlamaModel model, CachePolicy policy, int[] prompt, int steps) {
        IncrementalDecoder dec = new IncrementalDecoder(model);
        KvCache cache = dec.newCache(policy, prompt.length + steps);
        float[] logits = dec.prefill(prompt, cache);
        int[] out = new int[steps];
        for (int s = 0; s < steps; s++) {
            out[s] = Sampler.argmax(logits);
            logits = dec.step(out[s], cache);
        }
        return new Generation(out, logits, cache.peak());
    }

    /** Teacher-forces text[prompt.length ..] for {@code steps} steps through decoder and oracle. */
    static KvCache assertMatchesOracle(LlamaModel model, CachePolicy policy, int[] prompt, int steps, int chunk) {
        IncrementalDecoder dec = new IncrementalDecoder(model, chunk);
        DenseCacheOracle oracle = new DenseCacheOracle(model, policy);
        KvCache cache = dec.newCache(policy, prompt.length + steps);
        assertEquals(policy.capacity(prompt.length + steps), cache.capacity());
        float[] got = dec.prefill(prompt, cache);
        double[] want = oracle.prefill(prompt);
        for (int s = 0; ; s++) {
            int n = prompt.length + s;
            assertClose(want, got, "after position " + (n - 1));
            for (int l = 0; l < model.config().numHiddenLayers(); l++) {
                for (int g = 0; g < model.config().numKeyValueHeads(); g++) {
                    int[] held = oracle.held(l, g);
                    assertArrayEquals(held, cache.positions(l, g), "layer " + l + " head " + g + " after " + (n - 1));
                    assertTrue(held.length <= policy.budget());
                    for (int p : held) {
                        assertTrue(p < n);
                        if (policy.tracksScores()) {
                            assertEquals(oracle.score(l, g, p), cache.score(l, g, p), TOL,
                                    "score of " + p + " layer " + l + " head " + g);
                        }
                    }
                }
            }
            if (s == steps) {
                break;
            }
            int next = text[n];
            got = dec.step(next, cache);
            want = oracle.step(next);
        }
        assertEquals(Math.min(policy.budget(), prompt.length + steps), cache.peak());
        return cache;
    }

    static void assertClose(double[] want, float[] got, String where) {
        double m = 0;
        for (int i = 0; i < want.length; i++) {
            m = Math.max(m, Math.abs(want[i] - got[i]));
        }
        assertTrue(m <= TOL, where + ": max |logit diff| " + m);
    }
}
