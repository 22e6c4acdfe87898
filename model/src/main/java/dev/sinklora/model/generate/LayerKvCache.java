package dev.sinklora.model.generate;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * One layer's KV cache: for each KV head, keys (RoPE already applied at each key's original position)
 * and values of the cached positions, in slots preallocated to the policy's capacity.
 *
 * <p>Life of a decoding step: {@link #append} writes the new position into each head's free slot, after
 * which slots {@code [0, count)} are all occupied and are what attention reads ({@link #keys()},
 * {@link #values()}); {@link #accumulate} adds the step's attention probabilities to the slots' scores;
 * {@link #evictIfOverBudget} then frees one slot per head (chosen by {@link EvictionRule}, per KV head, so
 * heads may hold different positions), which the next {@code append} overwrites in place.
 *
 * <p>Single-slot writes and score reads go straight through the arrays' host buffers (CPU backend),
 * so a step costs no per-head array views.
 */
final class LayerKvCache {

    private final CachePolicy policy;
    private final int kvHeads;
    private final int capacity;
    private final int headDim;
    private final INDArray keys;          // [KVH, capacity, D]
    private final INDArray values;        // [KVH, capacity, D]
    private final FloatBuffer keyData;    // host view of keys, C order
    private final FloatBuffer valueData;  // host view of values, C order
    private final int[][] positions;      // [KVH][capacity] original position of each slot
    private final INDArray scores;        // [KVH, capacity] accumulated attention probability; null unless tracked
    private final FloatBuffer scoreData;  // host view of scores
    private final int[] freeSlot;         // [KVH] the slot the next append writes
    private int count;                    // occupied slots per head after an append; the same for every head
    private boolean readable;             // slots [0, count) are all occupied (true after fill/append, until eviction)

    LayerKvCache(CachePolicy policy, int kvHeads, int capacity, int headDim) {
        this.policy = policy;
        this.kvHeads = kvHeads;
        this.capacity = capacity;
        this.headDim = headDim;
        this.keys = Nd4j.create(DataType.FLOAT, kvHeads, capacity, headDim);
        this.values = Nd4j.create(DataType.FLOAT, kvHeads, capacity, headDim);
        this.keyData = keys.data().asNioFloat();
        this.valueData = values.data().asNioFloat();
        this.positions = new int[kvHeads][capacity];
        this.scores = policy.tracksScores() ? Nd4j.create(DataType.FLOAT, kvHeads, capacity) : null;
        this.scoreData = scores == null ? null : scores.data().asNioFloat();
        this.freeSlot = new int[kvHeads];
    }

    int capacity() {
        return capacity;
    }

    /** Frees the arrays now (after a failed allocation of a whole cache; otherwise the GC does it). */
    void close() {
        for (INDArray a : new INDArray[]{keys, values, scores}) {
            if (a != null && a.closeable()) {
                a.close();
            }
        }
    }

    /** Positions held per head between steps (the same for every head). */
    int count() {
        return count;
    }

    /** Bytes of the key and value arrays. */
    long kvBytes() {
        return 2L * kvHeads * capacity * headDim * Float.BYTES;
    }

    /** Bytes of the eviction bookkeeping (positions and scores). */
    long bookkeepingBytes() {
        return (long) kvHeads * capacity * Integer.BYTES + (scores == null ? 0 : (long) kvHeads * capacity * Float.BYTES);
    }

    /**
     * Fills the empty cache from a prefill of positions {@code 0..n-1}: keeps everything when it fits the
     * budget, else per KV head the slots {@link EvictionRule#keep} picks from the prompt scores.
     *
     * @param k            [KVH, n, D] RoPE'd keys of the prompt
     * @param v            [KVH, n, D]
     * @param promptScores [KVH, n] attention each prompt key received from all prompt queries (pooled over
     *                     the query heads of its KV head); may be null unless scores are tracked
     */
    void fill(INDArray k, INDArray v, INDArray promptScores) {
        if (count != 0) {
            throw new IllegalStateException("fill needs an empty cache");
        }
        int n = (int) k.size(1);
        int keepN = Math.min(n, policy.budget());
        if (keepN > capacity) {
            throw new IllegalStateException("prompt of " + n + " positions does not fit capacity " + capacity);
        }
        int[] all = new int[n];
        Arrays.setAll(all, i -> i);
        for (int g = 0; g < kvHeads; g++) {
            float[] s = promptScores == null ? null : promptScores.getRow(g).toFloatVector();
            int[] kept = n <= policy.budget() ? all
                    : EvictionRule.keep(all, s, n, n - 1, policy.sinks(), policy.recent(), policy.heavy());
            INDArray dstK = keys.get(NDArrayIndex.point(g), NDArrayIndex.interval(0, kept.length), NDArrayIndex.all());
            INDArray dstV = values.get(NDArrayIndex.point(g), NDArrayIndex.interval(0, kept.length), NDArrayIndex.all());
            if (kept == all) {
                dstK.assign(k.slice(g));
                dstV.assign(v.slice(g));
            } else {
                dstK.assign(Nd4j.pullRows(k.slice(g), 1, kept));
                dstV.assign(Nd4j.pullRows(v.slice(g), 1, kept));
            }
            for (int i = 0; i < kept.length; i++) {
                positions[g][i] = kept[i];
                if (scores != null) {
                    scoreData.put(g * capacity + i, s[kept[i]]);
                }
            }
            freeSlot[g] = kept.length;
        }
        count = keepN;
        readable = true;
    }

    /**
     * Writes the key and value of {@code position} into each head's free slot (score 0).
     *
     * @param k [KVH * D] RoPE'd key of the new position, head-major
     * @param v [KVH * D]
     */
    void append(float[] k, float[] v, int position) {
        if (count >= capacity) {
            throw new IllegalStateException("cache full: " + count + " of " + capacity + " slots");
        }
        for (int g = 0; g < kvHeads; g++) {
            int slot = freeSlot[g];
            int at = (g * capacity + slot) * headDim;
            keyData.put(at, k, g * headDim, headDim);
            valueData.put(at, v, g * headDim, headDim);
            positions[g][slot] = position;
            if (scores != null) {
                scoreData.put(g * capacity + slot, 0f);
            }
        }
        count++;
        readable = true;
    }

    /** [KVH, count, D] keys, every slot occupied (after {@link #append} or {@link #fill}). */
    INDArray keys() {
        checkReadable();
        return count == capacity ? keys
                : keys.get(NDArrayIndex.all(), NDArrayIndex.interval(0, count), NDArrayIndex.all());
    }

    /** [KVH, count, D] values. */
    INDArray values() {
        checkReadable();
        return count == capacity ? values
                : values.get(NDArrayIndex.all(), NDArrayIndex.interval(0, count), NDArrayIndex.all());
    }

    /**
     * Adds attention probabilities to the slots' scores (no-op unless scores are tracked).
     *
     * @param probs [KVH, count]: probability each slot received, summed over the query heads of its KV head
     */
    void accumulate(INDArray probs) {
        if (scores == null) {
            return;
        }
        checkReadable();
        (count == capacity ? scores : scores.get(NDArrayIndex.all(), NDArrayIndex.interval(0, count))).addi(probs);
    }

    /**
     * Evicts one slot per head when more than the budget is held; {@code newest} is the position just
     * appended. Returns whether it evicted.
     */
    boolean evictIfOverBudget(int newest) {
        if (count <= policy.budget()) {
            for (int g = 0; g < kvHeads; g++) {
                freeSlot[g] = count;
            }
            return false;
        }
        float[] s = scores == null ? null : new float[count];
        for (int g = 0; g < kvHeads; g++) {
            if (s != null) {
                scoreData.get(g * capacity, s, 0, count);
            }
            int victim = EvictionRule.victim(positions[g], s, count, newest, policy.sinks(), policy.recent());
            if (victim < 0) {
                throw new IllegalStateException("no evictable slot: budget " + policy + " holds " + count);
            }
            freeSlot[g] = victim;
        }
        count--;
        readable = false;
        return true;
    }

    /** The positions head {@code g} holds, ascending. */
    int[] positions(int g) {
        int[] out = new int[count];
        for (int s = 0, i = 0; s < count + (readable ? 0 : 1); s++) {
            if (readable || s != freeSlot[g]) {
                out[i++] = positions[g][s];
            }
        }
        Arrays.sort(out);
        return out;
    }

    /** Head {@code g}'s accumulated score of {@code position}, or NaN when not held or not tracked. */
    float score(int g, int position) {
        if (scores == null) {
            return Float.NaN;
        }
        for (int s = 0; s < count + (readable ? 0 : 1); s++) {
            if ((readable || s != freeSlot[g]) && positions[g][s] == position) {
                return scoreData.get(g * capacity + s);
            }
        }
        return Float.NaN;
    }

    private void checkReadable() {
        if (!readable) {
            throw new IllegalStateException("slots are read between append and eviction only");
        }
    }
}
