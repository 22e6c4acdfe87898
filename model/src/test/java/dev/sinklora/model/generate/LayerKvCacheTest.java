package dev.sinklora.model.generate;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cache's bookkeeping driven by a hand-made sequence of attention probabilities: which positions stay
 * after each step, in-place slot reuse, and that each key/value keeps its data wherever its slot is.
 */
class LayerKvCacheTest {

    static final int D = 2;

    @Test
    void handMadeScoreSequenceEvictsTheRightPositions() {
        // S=1 sink, R=2 recent, K=2 heavy: budget 5, 5 + 1 slots
        CachePolicy policy = CachePolicy.h2o(1, 2, 2);
        LayerKvCache c = new LayerKvCache(policy, 1, policy.capacity(10), D);
        assertEquals(6, c.capacity());
        c.fill(keys(3), keys(3), Nd4j.createFromArray(new float[][]{{0f, 0.5f, 0.25f}}));
        c.evictIfOverBudget(2);
        assertArrayEquals(new int[]{0, 1, 2}, c.positions(0));

        // step 3: slots hold positions 0,1,2,3 -> scores 0, .75, .75, .25
        step(c, 3, 0f, 0.25f, 0.5f, 0.25f);
        assertArrayEquals(new int[]{0, 1, 2, 3}, c.positions(0));
        // step 4: scores 0, .75, .75, .75, .5; 5 held = budget, nothing evicted
        step(c, 4, 0f, 0f, 0f, 0.5f, 0.5f);
        assertArrayEquals(new int[]{0, 1, 2, 3, 4}, c.positions(0));
        // step 5: scores 0, .75, .75, .75, .5, 0. Sink 0 and recent 5 have the lowest scores but stay;
        // 1, 2, 3 tie at .75 -> the oldest, 1, goes
        step(c, 5, 0f, 0f, 0f, 0f, 0f, 0f);
        assertArrayEquals(new int[]{0, 2, 3, 4, 5}, c.positions(0));
        assertEquals(5, c.count());
        // step 6 reuses position 1's slot (slot 1): slots hold 0,6,2,3,4,5. Scores become
        // 0: 0, 6: 0, 2: 1.25, 3: .75, 4: .5, 5: .25; 4 just left the recent window and is the lowest
        step(c, 6, 0f, 0f, 0.5f, 0f, 0f, 0.25f);
        assertArrayEquals(new int[]{0, 2, 3, 5, 6}, c.positions(0));
        assertEquals(1.25f, c.score(0, 2));
        // step 7 goes into position 4's slot (slot 4): 0,6,2,3,7,5 -> 5 (.25) is the lowest of 2, 3, 5
        step(c, 7, 0f, 0f, 0f, 0f, 0f, 0f);
        assertArrayEquals(new int[]{0, 2, 3, 6, 7}, c.positions(0));
        assertTrue(Float.isNaN(c.score(0, 5)));

        // every held key is still the one written for its position, wherever its slot is
        c.append(key(8), key(8), 8);
        INDArray k = c.keys();                               // [1, 6, D]
        assertArrayEquals(new long[]{1, 6, D}, k.shape());
        for (int s = 0; s < c.count(); s++) {
            int p = (int) k.getFloat(0, s, 0);
            assertEquals(p + 0.5f, k.getFloat(0, s, 1));
            assertEquals(p + 0.5f, c.values().getFloat(0, s, 1));
        }
    }

    @Test
    void kvHeadsEvictIndependently() {
        CachePolicy policy = CachePolicy.h2o(0, 1, 1);     // budget 2
        LayerKvCache c = new LayerKvCache(policy, 2, policy.capacity(10), D);
        INDArray prompt = Nd4j.concat(0, keys(2).reshape(1, 2, D), keys(2).reshape(1, 2, D));   // [2, 2, D]
        c.fill(prompt, prompt, Nd4j.createFromArray(new float[][]{{1f, 0f}, {0f, 1f}}));
        float[] k = {2f, 2.5f, 2f, 2.5f};                                                    // [KVH * D]
        c.append(k, k, 2);
        c.accumulate(Nd4j.zeros(DataType.FLOAT, 2, 3));
        c.evictIfOverBudget(2);
        // head 0 keeps position 0 (score 1), head 1 keeps position 1 (score 1)
        assertArrayEquals(new int[]{0, 2}, c.positions(0));
        assertArrayEquals(new int[]{1, 2}, c.positions(1));
    }

    @Test
    void prefillLongerThanTheBudgetKeepsSinksRecentAndHeaviest() {
        CachePolicy policy = CachePolicy.h2o(1, 2, 1);     // budget 4
        LayerKvCache c = new LayerKvCache(policy, 1, policy.capacity(20), D);
        c.fill(keys(8), keys(8), Nd4j.createFromArray(new float[][]{{0f, 2f, 5f, 1f, 5f, 0f, 9f, 9f}}));
        // sink 0, recent 6, 7, heavy: 2 and 4 tie at 5 -> the newest, 4
        assertArrayEquals(new int[]{0, 4, 6, 7}, c.positions(0));
        assertEquals(5f, c.score(0, 4));
        INDArray k = c.keys();
        assertEquals(4f, k.getFloat(0, 1, 0));
    }

    @Test
    void sinkPolicyKeepsSinksAndTheRecentWindowOnly() {
        CachePolicy policy = CachePolicy.sink(2, 3);
        LayerKvCache c = new LayerKvCache(policy, 1, policy.capacity(30), D);
        c.fill(keys(9), keys(9), null);
        assertArrayEquals(new int[]{0, 1, 6, 7, 8}, c.positions(0));
        for (int p = 9; p < 14; p++) {
            c.append(key(p), key(p), p);
            c.evictIfOverBudget(p);
            assertArrayEquals(new int[]{0, 1, p - 2, p - 1, p}, c.positions(0));
        }
    }

    @Test
    void slotsAreNotReadableBetweenEvictionAndTheNextAppend() {
        CachePolicy policy = CachePolicy.sink(1, 1);
        LayerKvCache c = new LayerKvCache(policy, 1, policy.capacity(10), D);
        c.fill(keys(2), keys(2), null);
        c.append(key(2), key(2), 2);
        c.evictIfOverBudget(2);
        assertThrows(IllegalStateException.class, c::keys);
    }

    /** Appends position {@code p}, accumulates the given per-slot probabilities, evicts. */
    private static void step(LayerKvCache c, int p, float... slotProbs) {
        c.append(key(p), key(p), p);
        assertEquals(slotProbs.length, c.count());
        c.accumulate(Nd4j.createFromArray(slotProbs).reshape(1, slotProbs.length));
        c.evictIfOverBudget(p);
    }

    /** [KVH * D] key of position p for one head: (p, p + 0.5). */
    private static float[] key(int p) {
        return new float[]{p, p + 0.5f};
    }

    /** [1, n, D] keys of positions 0..n-1. */
    private static INDArray keys(int n) {
        INDArray k = Nd4j.create(DataType.FLOAT, 1, n, D);
        for (int p = 0; p < n; p++) {
            k.putScalar(0, p, 0, p);
            k.putScalar(0, p, 1, p + 0.5f);
        }
        return k;
    }
}
