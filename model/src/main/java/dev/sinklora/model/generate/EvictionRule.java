package dev.sinklora.model.generate;

import java.util.Arrays;

/**
 * The H2O / StreamingLLM eviction rule for one KV head, as pure functions over the slots of a cache.
 *
 * <p>A slot holding position {@code p} is <em>protected</em> when it is a sink ({@code p < sinks}) or
 * among the {@code recent} most recent positions ({@code p > newest - recent}). Among the unprotected
 * slots the one with the lowest accumulated score is evicted; ties go to the oldest (smallest
 * position). Without scores ({@code null}, StreamingLLM) every score counts as equal, so the oldest
 * unprotected position goes.
 */
public final class EvictionRule {

    private EvictionRule() {
    }

    /** Whether position {@code p} is protected from eviction when {@code newest} is the latest position. */
    public static boolean isProtected(int p, int newest, int sinks, int recent) {
        return p < sinks || p > newest - recent;
    }

    /**
     * The slot to evict among slots {@code [0, count)}, or -1 when all are protected.
     *
     * @param positions original position of each slot, [count] used
     * @param scores    accumulated attention of each slot, [count] used; null: all equal
     * @param newest    the latest position in the sequence (the one just written)
     */
    public static int victim(int[] positions, float[] scores, int count, int newest, int sinks, int recent) {
        int best = -1;
        for (int s = 0; s < count; s++) {
            int p = positions[s];
            if (isProtected(p, newest, sinks, recent)) {
                continue;
            }
            if (best < 0 || lower(scores, s, best, positions)) {
                best = s;
            }
        }
        return best;
    }

    /**
     * The slots to keep when at most {@code sinks + recent + heavy} may stay (prefill): every protected
     * slot and the {@code heavy} unprotected ones with the highest score (ties: the newest stay), the
     * same set as evicting {@link #victim}s one by one. Ascending by slot.
     */
    public static int[] keep(int[] positions, float[] scores, int count, int newest, int sinks, int recent, int heavy) {
        Integer[] candidates = new Integer[count];
        int nCand = 0;
        boolean[] kept = new boolean[count];
        for (int s = 0; s < count; s++) {
            if (isProtected(positions[s], newest, sinks, recent)) {
                kept[s] = true;
            } else {
                candidates[nCand++] = s;
            }
        }
        Integer[] cand = Arrays.copyOf(candidates, nCand);
        // highest first; among equal scores the newest first (the oldest is evicted first)
        Arrays.sort(cand, (a, b) -> lower(scores, a, b, positions) ? 1 : lower(scores, b, a, positions) ? -1 : 0);
        for (int i = 0; i < Math.min(heavy, nCand); i++) {
            kept[cand[i]] = true;
        }
        int n = 0;
        for (boolean k : kept) {
            n += k ? 1 : 0;
        }
        int[] out = new int[n];
        for (int s = 0, i = 0; s < count; s++) {
            if (kept[s]) {
                out[i++] = s;
            }
        }
        return out;
    }

    /** Whether slot a ranks below slot b for keeping: lower score, or equal score and older. */
    private static boolean lower(float[] scores, int a, int b, int[] positions) {
        float sa = scores == null ? 0f : scores[a];
        float sb = scores == null ? 0f : scores[b];
        if (sa != sb) {
            return sa < sb;
        }
        return positions[a] < positions[b];
    }
}
