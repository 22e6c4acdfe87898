package dev.sinklora.model.generate;

import dev.sinklora.model.config.LlamaConfig;

/**
 * The KV cache of a whole model for one sequence: a {@link LayerKvCache} per layer under one
 * {@link CachePolicy}, the number of positions seen so far and the peak number held between steps.
 */
public final class KvCache {

    private final CachePolicy policy;
    private final LayerKvCache[] layers;
    private int length;     // positions seen (prompt + decoded); the next position to write
    private int peak;       // the most positions any layer held after a prefill or a step's eviction

    private KvCache(CachePolicy policy, LayerKvCache[] layers) {
        this.policy = policy;
        this.layers = layers;
    }

    /** A cache for up to {@code totalPositions} positions (prompt + new tokens) of a model. */
    public static KvCache allocate(LlamaConfig config, CachePolicy policy, int totalPositions) {
        if (totalPositions < 1) {
            throw new IllegalArgumentException("totalPositions must be >= 1, got " + totalPositions);
        }
        int capacity = policy.capacity(totalPositions);
        LayerKvCache[] layers = new LayerKvCache[config.numHiddenLayers()];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = new LayerKvCache(policy, config.numKeyValueHeads(), capacity, config.headDim());
        }
        return new KvCache(policy, layers);
    }

    public CachePolicy policy() {
        return policy;
    }

    /** Positions seen so far: the position the next token takes. */
    public int length() {
        return length;
    }

    /** Slots allocated per layer and KV head. */
    public int capacity() {
        return layers[0].capacity();
    }

    /** The largest number of positions any layer held between decoding steps (after each eviction). */
    public int peak() {
        return peak;
    }

    /** Bytes of all layers' key and value arrays (FP32). */
    public long kvBytes() {
        long b = 0;
        for (LayerKvCache l : layers) {
            b += l.kvBytes();
        }
        return b;
    }

    /** Bytes of all layers' eviction bookkeeping (slot positions, accumulated scores). */
    public long bookkeepingBytes() {
        long b = 0;
        for (LayerKvCache l : layers) {
            b += l.bookkeepingBytes();
        }
        return b;
    }

    /** The positions layer {@code layer}, KV head {@code kvHead} holds, ascending. */
    public int[] positions(int layer, int kvHead) {
        return layers[layer].positions(kvHead);
    }

    /** Accumulated score of a held position (NaN when not held or scores are not tracked). */
    public float score(int layer, int kvHead, int position) {
        return layers[layer].score(kvHead, position);
    }

    LayerKvCache layer(int l) {
        return layers[l];
    }

    /** Called by the decoder after it has processed {@code n} more positions through every layer. */
    void advance(int n) {
        length += n;
        for (LayerKvCache l : layers) {
            peak = Math.max(peak, l.count());
        }
    }
}
