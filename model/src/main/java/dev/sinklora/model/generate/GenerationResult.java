package dev.sinklora.model.generate;

/**
 * What one generation did.
 *
 * @param tokens           generated ids (the EOS that stopped it included)
 * @param stoppedAtEos     whether it stopped on the end-of-sequence token rather than the token limit
 * @param promptTokens     prompt length
 * @param policy           the cache policy and budgets
 * @param cacheCapacity    slots allocated per layer and KV head
 * @param cachePeak        the most positions any layer held between decoding steps (after each eviction)
 * @param kvBytes          bytes of all layers' key/value arrays (FP32)
 * @param bookkeepingBytes bytes of the eviction bookkeeping (slot positions, scores)
 * @param prefillMillis    time of the prompt's prefill
 * @param decodeMillis     time of the decoding steps (model only: sampling and printing excluded)
 * @param decodeSteps      decoding steps run (one per generated token after the first, which comes from
 *                         the prefill's logits)
 */
public record GenerationResult(int[] tokens, boolean stoppedAtEos, int promptTokens, CachePolicy policy,
                               int cacheCapacity, int cachePeak, long kvBytes, long bookkeepingBytes,
                               double prefillMillis, double decodeMillis, int decodeSteps) {

    /** Decoding steps per second, NaN when there were none. */
    public double tokensPerSecond() {
        return decodeSteps == 0 ? Double.NaN : decodeSteps / (decodeMillis / 1000.0);
    }
}
