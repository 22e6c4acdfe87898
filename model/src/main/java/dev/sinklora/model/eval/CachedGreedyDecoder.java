package dev.sinklora.model.eval;

import dev.sinklora.model.generate.CachePolicy;
import dev.sinklora.model.generate.IncrementalDecoder;
import dev.sinklora.model.generate.KvCache;
import dev.sinklora.model.generate.Sampler;
import dev.sinklora.model.llama.LlamaModel;

/**
 * Greedy decoding through the KV-cache {@link IncrementalDecoder} with a full cache: the prompt is prefilled once,
 * then each new token costs one position against the cache (instead of {@link GreedyDecoder}'s whole forward pass
 * per token). Full attention only, as the incremental decoder computes it; LoRA must be merged into the model
 * first ({@code LoraMerger.merged}). Ties go to the lowest id, as in {@link GreedyDecoder}. Thread-safe: each call
 * has its own cache and the decoder only reads the model's weight arrays.
 */
public final class CachedGreedyDecoder implements Decoder {

    private final IncrementalDecoder decoder;

    public CachedGreedyDecoder(LlamaModel model) {
        this.decoder = new IncrementalDecoder(model);
    }

    @Override
    public int[] generate(int[] promptIds, int n) {
        if (n < 1) {
            return new int[0];
        }
        KvCache cache = decoder.newCache(CachePolicy.FULL, promptIds.length + n);
        float[] logits = decoder.prefill(promptIds, cache);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = Sampler.argmax(Sampler.requireFinite(logits, i + 1, promptIds.length + i));
            if (i + 1 < n) {
                logits = decoder.step(out[i], cache);
            }
        }
        return out;
    }
}
