package dev.sinklora.model.generate;

import dev.sinklora.model.BadInputException;
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
        long kv = 2L * layers.length * config.numKeyValueHeads() * capacity * config.headDim() * Float.BYTES;
        long ram = physicalMemory();
        if (kv > ram) { // it could only be allocated (lazily, by the OS) to be swapped or killed while filled
            throw new BadInputException(tooLarge(config, capacity, kv, String.format(java.util.Locale.ROOT,
                    "more than this machine's %.1f GiB of memory", ram / (double) (1L << 30))));
        }
        try {
            for (int l = 0; l < layers.length; l++) {
                layers[l] = new LayerKvCache(policy, config.numKeyValueHeads(), capacity, config.headDim());
            }
        } catch (OutOfMemoryError | RuntimeException e) {
            // ND4J reports a failed native allocation as a RuntimeException ("Allocation failed: std::bad_alloc")
            for (LayerKvCache l : layers) {
                if (l != null) {
                    l.close();
                }
            }
            throw new BadInputException(tooLarge(config, capacity, kv,
                    e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
        return new KvCache(policy, layers);
    }

    private static String tooLarge(LlamaConfig config, int capacity, long kvBytes, String why) {
        return String.format(java.util.Locale.ROOT, "cannot allocate a KV cache of %d positions (%.1f GiB of keys "
                        + "and values: %d layers x 2 x %d KV heads x %d x head dim %d x 4 bytes): %s; lower "
                        + "--max-new-tokens or use --kv-cache h2o|sink with a budget", capacity,
                kvBytes / (double) (1L << 30), config.numHiddenLayers(), config.numKeyValueHeads(), capacity,
                config.headDim(), why);
    }

    /** Physical memory of the machine (no bound if the JVM cannot tell). */
    private static long physicalMemory() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os && os.getTotalMemorySize() > 0) {
            return os.getTotalMemorySize();
        }
        return Long.MAX_VALUE;
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
