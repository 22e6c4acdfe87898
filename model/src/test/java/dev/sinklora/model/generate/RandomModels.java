package dev.sinklora.model.generate;

import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.random.RandomLlama;

/** Small random LLaMA variants the fixture does not cover. */
final class RandomModels {

    private RandomModels() {
    }

    /** Grouped-query attention: 4 query heads share 2 KV heads (head dim 16). */
    static LlamaModel gqa(long seed) {
        return RandomLlama.create(RandomLlama.config(64, 96, 4, 2, 2, 256, 128, false), seed, 2.0);
    }

    /** Tied input/output embeddings, 2 query heads sharing 1 KV head. */
    static LlamaModel tied(long seed) {
        return RandomLlama.create(RandomLlama.config(32, 64, 2, 1, 2, 96, 64, true), seed, 2.0);
    }
}
