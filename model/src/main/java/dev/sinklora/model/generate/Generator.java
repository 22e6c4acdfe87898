package dev.sinklora.model.generate;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.config.LlamaConfig;

import java.util.Arrays;

/**
 * Autoregressive generation: prefill the prompt once into a cache of the policy's size, then one
 * decoding step per new token, until {@code maxNewTokens} or the EOS token.
 */
public final class Generator {

    private Generator() {
    }

    /** Receives each generated token as soon as it is chosen. */
    @FunctionalInterface
    public interface TokenListener {
        void onToken(int id);
    }

    /**
     * @param eosTokenId stop after generating this id; negative: never stop early
     */
    public static GenerationResult generate(IncrementalDecoder decoder, CachePolicy policy, int[] prompt,
                                            int maxNewTokens, Sampler sampler, int eosTokenId,
                                            TokenListener listener) {
        checkLength(decoder.model().config(), prompt.length, maxNewTokens);
        KvCache cache = decoder.newCache(policy, prompt.length + maxNewTokens);
        long t0 = System.nanoTime();
        float[] logits = decoder.prefill(prompt, cache);
        long prefillNs = System.nanoTime() - t0;

        int[] out = new int[Math.min(maxNewTokens, 1024)]; // grown as needed: --max-new-tokens is only a limit
        int n = 0;
        long decodeNs = 0;
        int steps = 0;
        boolean eos = false;
        while (true) {
            Sampler.requireFinite(logits, n + 1, prompt.length + n);
            int token = sampler.next(logits);
            if (n == out.length) {
                out = Arrays.copyOf(out, (int) Math.min(maxNewTokens, 2L * out.length));
            }
            out[n++] = token;
            listener.onToken(token);
            if (token == eosTokenId) {
                eos = true;
                break;
            }
            if (n == maxNewTokens) {
                break;
            }
            long s0 = System.nanoTime();
            logits = decoder.step(token, cache);
            decodeNs += System.nanoTime() - s0;
            steps++;
        }
        return new GenerationResult(Arrays.copyOf(out, n), eos, prompt.length, policy, cache.capacity(),
                cache.peak(), cache.kvBytes(), cache.bookkeepingBytes(), prefillNs / 1e6, decodeNs / 1e6, steps);
    }

    /** The most positions (prompt + new tokens) one generation can address (Java array indices). */
    public static final int MAX_POSITIONS = Integer.MAX_VALUE - 8;

    /** Sampling from NaN/Inf logits would silently give token 0 again and again: fail instead. */
    /**
     * Rejects a generation that would run past the model's context: {@code max_position_embeddings}
     * times the linear RoPE factor (positions keep their original RoPE angles under every cache policy).
     */
    public static void checkLength(LlamaConfig config, int promptLength, int maxNewTokens) {
        if (maxNewTokens < 1) {
            throw new BadInputException("--max-new-tokens must be >= 1, got " + maxNewTokens);
        }
        if (promptLength < 1) {
            throw new BadInputException("the prompt is empty: need at least one token");
        }
        if ((long) promptLength + maxNewTokens > MAX_POSITIONS) {
            throw new BadInputException("prompt (" + promptLength + " tokens) + --max-new-tokens " + maxNewTokens
                    + " is more than the " + MAX_POSITIONS + " positions one sequence can hold");
        }
        long context = (long) Math.floor(config.maxPositionEmbeddings() * config.ropeFactor());
        if ((long) promptLength + maxNewTokens > context) {
            throw new BadInputException("prompt (" + promptLength + " tokens) + --max-new-tokens " + maxNewTokens
                    + " = " + ((long) promptLength + maxNewTokens) + " positions exceeds the model's context of "
                    + context + " (max_position_embeddings " + config.maxPositionEmbeddings() + " x rope factor "
                    + config.ropeFactor() + ")");
        }
    }
}
