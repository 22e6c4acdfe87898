package dev.sinklora.model.attention;

import java.util.ArrayList;
import java.util.List;

/**
 * Consecutive query heads {@code [queryFrom, queryTo)} that read the kv heads {@code [kvFrom, kvTo)},
 * {@code perKv} query heads each (HF repeat_kv: query head {@code h} reads kv head {@code h / rep}).
 * A run is one batched matmul: its queries are laid out as {@code [B, kvHeads, perKv * rows, D]}
 * against the kv heads' {@code [B, kvHeads, keys, D]}, so keys are never repeated per query head and
 * the gradients of the query heads sharing a kv head are summed by the matmul itself.
 */
record KvHeadRun(int queryFrom, int queryTo, int kvFrom, int kvTo) {

    int kvHeads() {
        return kvTo - kvFrom;
    }

    int perKv() {
        return (queryTo - queryFrom) / kvHeads();
    }

    /**
     * The query heads {@code [from, to)} cut into runs: each kv head's share of the range, with
     * consecutive shares of equal size merged (one run when the range is aligned to kv groups).
     */
    static List<KvHeadRun> of(int from, int to, int rep) {
        List<KvHeadRun> runs = new ArrayList<>();
        int h = from;
        while (h < to) {
            int kv = h / rep;
            int end = Math.min(to, (kv + 1) * rep);
            int share = end - h;
            KvHeadRun last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (last != null && last.perKv() == share && last.queryTo == h && last.kvTo == kv) {
                runs.set(runs.size() - 1, new KvHeadRun(last.queryFrom, end, last.kvFrom, kv + 1));
            } else {
                runs.add(new KvHeadRun(h, end, kv, kv + 1));
            }
            h = end;
        }
        return runs;
    }
}
