package dev.sinklora.train;

import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.lora.TrainableExtra;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** What travels per averaging round, for a real model size: computed from the config alone. */
class TrainableParamsTest {

    static final LlamaConfig LLAMA2_7B = LlamaConfig.parse("""
            {"hidden_size": 4096, "intermediate_size": 11008, "num_attention_heads": 32, "num_key_value_heads": 32,
             "num_hidden_layers": 32, "rms_norm_eps": 1e-5, "vocab_size": 32000, "max_position_embeddings": 4096}""",
            "llama-2-7b config");

    static long count(TrainableParams p) {
        return p.params().stream().mapToLong(x -> x.shape()[0] * x.shape()[1]).sum();
    }

    @Test
    void llama2SevenBLoraOnAttentionIsEightMillionParameters() {
        TrainableParams lora = new TrainableParams(LLAMA2_7B,
                new LoraConfig(8, 16, 0, List.of("q_proj", "k_proj", "v_proj", "o_proj"), EnumSet.noneOf(TrainableExtra.class)));
        // 32 layers x 4 modules x (A [8, 4096] + B [4096, 8])
        assertEquals(32L * 4 * 2 * 8 * 4096, count(lora));
        assertEquals(33_554_432L, count(lora) * 4); // bytes in FP32; x3 with Adam's moments per round

        TrainableParams withNorms = new TrainableParams(LLAMA2_7B,
                new LoraConfig(8, 16, 0, List.of("q_proj", "k_proj", "v_proj", "o_proj"), EnumSet.of(TrainableExtra.NORM)));
        assertEquals(count(lora) + (2L * 32 + 1) * 4096, count(withNorms));
    }

    @Test
    void keysAreUniqueAndFreeOfUnderscores() {
        TrainableParams p = new TrainableParams(LLAMA2_7B, new LoraConfig(8, 16, 0, LoraConfig.ALL_TARGETS,
                EnumSet.of(TrainableExtra.NORM)));
        Set<String> keys = new HashSet<>();
        for (TrainableParams.Param x : p.params()) {
            assertFalse(x.key().contains("_"), x.key());
            assertEquals(true, keys.add(x.key()), "duplicate key " + x.key());
        }
        assertEquals(32 * 7 * 2 + 65, keys.size());
    }
}
