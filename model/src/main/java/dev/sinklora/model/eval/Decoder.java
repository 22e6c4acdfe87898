package dev.sinklora.model.eval;

/**
 * Greedy continuation of a prompt: the seam between the passkey harness and whatever produces the answer (the model
 * through {@link GreedyDecoder} or the KV-cache {@link CachedGreedyDecoder}, or a test double).
 */
@FunctionalInterface
public interface Decoder {

    /** The {@code n} tokens that greedily follow {@code promptIds}. */
    int[] generate(int[] promptIds, int n);
}
