package dev.sinklora.model.generate;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The pure eviction rule on hand-made slots and scores. */
class EvictionRuleTest {

    @Test
    void lowestUnprotectedScoreIsEvictedNeverSinksOrRecent() {
        // slot:        0    1    2     3     4    5    6    7
        int[] pos =   { 0,   1,   2,    3,    4,   5,   6,   7};
        float[] sc =  {0f,  0f, 0.5f, 0.25f, 1f, 0.75f, 0f, 0f};
        // sinks 0,1 and recent 6,7 have the lowest scores but are protected; 3 is the lowest of the rest
        assertEquals(3, EvictionRule.victim(pos, sc, 8, 7, 2, 2));
    }

    @Test
    void tiesGoToTheOldestPositionWhateverTheSlotOrder() {
        // slots hold positions out of order, as after in-place eviction
        int[] pos =  {0, 9, 5, 3, 8, 4};
        float[] sc = {0f, 0f, 0.25f, 0.25f, 0f, 0.25f};
        // sink 0, recent 8,9; candidates 5,3,4 tie at 0.25 -> position 3 (slot 3)
        assertEquals(3, EvictionRule.victim(pos, sc, 6, 9, 1, 2));
        sc[5] = 0.125f;   // position 4 is now strictly lowest
        assertEquals(5, EvictionRule.victim(pos, sc, 6, 9, 1, 2));
    }

    @Test
    void withoutScoresTheOldestUnprotectedGoes() {
        int[] pos = {0, 1, 7, 2, 3, 6, 5};
        assertEquals(3, EvictionRule.victim(pos, null, 7, 7, 2, 3));   // sinks 0,1; recent 5..7 -> oldest other is 2
    }

    @Test
    void onlyOccupiedSlotsAreConsidered() {
        int[] pos = {0, 4, 5, 1};
        float[] sc = {1f, 1f, 1f, -5f};   // slot 3 is beyond count
        assertEquals(1, EvictionRule.victim(pos, sc, 3, 5, 1, 1));
    }

    @Test
    void nothingEvictableGivesMinusOne() {
        int[] pos = {0, 1, 2, 3};
        assertEquals(-1, EvictionRule.victim(pos, new float[4], 4, 3, 2, 2));
    }

    @Test
    void keepTakesProtectedPlusTheHeaviestTiesKeepingTheNewest() {
        int[] pos = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        float[] sc = {0f, 3f, 1f, 3f, 2f, 0.5f, 2f, 9f, 0f, 0f};
        // sinks {0}, recent {8, 9}; heavy 3 of 1..7: 7 (9), then 1 and 3 (3), leaving 4 and 6 (2) out
        assertArrayEquals(new int[]{0, 1, 3, 7, 8, 9}, EvictionRule.keep(pos, sc, 10, 9, 1, 2, 3));
        // heavy 4: one of the tied 4 and 6 -> the newest, 6
        assertArrayEquals(new int[]{0, 1, 3, 6, 7, 8, 9}, EvictionRule.keep(pos, sc, 10, 9, 1, 2, 4));
        // heavy 0 (StreamingLLM)
        assertArrayEquals(new int[]{0, 8, 9}, EvictionRule.keep(pos, null, 10, 9, 1, 2, 0));
    }

    @Test
    void keepEqualsEvictingVictimsOneByOne() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + rnd.nextInt(30);
            int sinks = rnd.nextInt(4);
            int recent = 1 + rnd.nextInt(4);
            int heavy = rnd.nextInt(6);
            int[] pos = new int[n];
            Arrays.setAll(pos, i -> i);
            float[] sc = new float[n];
            for (int i = 0; i < n; i++) {
                sc[i] = rnd.nextInt(5) * 0.25f;   // many ties
            }
            int[] kept = EvictionRule.keep(pos, sc, n, n - 1, sinks, recent, heavy);

            int[] p = pos.clone();
            float[] s = sc.clone();
            int count = n;
            while (count > sinks + recent + heavy) {
                int v = EvictionRule.victim(p, s, count, n - 1, sinks, recent);
                if (v < 0) {
                    break;
                }
                p[v] = p[count - 1];
                s[v] = s[count - 1];
                count--;
            }
            int[] left = Arrays.copyOf(p, count);
            Arrays.sort(left);
            assertArrayEquals(left, kept, "trial " + trial);
        }
    }
}
