package dev.sinklora.model.lora;

import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.llama.Fixtures;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.Projection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoraInitTest {

    static LlamaModel base;

    @BeforeAll
    static void load() throws IOException {
        base = LlamaModel.load(Fixtures.tinyBase());
    }

    private static LoraAdapter init(List<String> targets, long seed) throws IOException {
        return LoraInit.create(base.config(), new LoraConfig(8, 16, 0, targets, Set.of()), seed,
                n -> base.weights().get(n), null);
    }

    @Test
    void aIsKaimingUniformAndBIsZero() throws IOException {
        LoraAdapter a = init(LoraConfig.ALL_TARGETS, 1);
        assertEquals(2 * 7, a.modules().size());
        for (LoraModule m : a.modules().values()) {
            long in = m.a().size(1);
            double bound = 1 / Math.sqrt(in);
            float[] v = LoraTestSupport.floats(m.a());
            double max = 0;
            double mean = 0;
            for (float x : v) {
                assertTrue(Math.abs(x) <= bound, m.module() + ": " + x + " outside +-" + bound);
                max = Math.max(max, Math.abs(x));
                mean += x;
            }
            mean /= v.length;
            assertTrue(max > 0.95 * bound, m.module() + ": values should fill the range, max " + max);
            // The mean of n uniforms on [-b, b] has standard deviation b/sqrt(3n); allow 5 of them.
            assertTrue(Math.abs(mean) < 5 * bound / Math.sqrt(3.0 * v.length), m.module() + ": mean " + mean);
            assertEquals(0.0, m.b().amaxNumber().doubleValue(), 0.0, m.module() + " B must be zero");
        }
    }

    @Test
    void seededAndIndependentOfOtherTargets() throws IOException {
        String q0 = "model.layers.0.self_attn.q_proj";
        INDArray a1 = init(List.of("q_proj"), 42).modules().get(q0).a();
        INDArray a2 = init(LoraConfig.ALL_TARGETS, 42).modules().get(q0).a();
        INDArray a3 = init(List.of("q_proj"), 43).modules().get(q0).a();
        assertEquals(a1, a2);
        assertNotEquals(a1, a3);
        LoraAdapter all = init(LoraConfig.ALL_TARGETS, 42);
        assertNotEquals(all.modules().get(q0).a(), all.modules().get("model.layers.1.self_attn.q_proj").a());
    }

    @Test
    void freshAdapterLeavesTheModelUnchangedAndCopiesExtras() throws IOException {
        LoraAdapter a = LoraInit.create(base.config(), new LoraConfig(4, 8, 0, LoraConfig.ALL_TARGETS,
                EnumSet.of(TrainableExtra.EMBED, TrainableExtra.NORM)), 5, n -> base.weights().get(n), null);
        assertEquals(1 + 2 * 2 + 1, a.extras().size());
        a.extras().forEach((n, t) -> {
            assertEquals(base.weights().get(n), t, n);
            assertNotSame(base.weights().get(n), t, n + " must be a copy");
        });
        AttentionPattern sf = new AttentionPattern(AttentionMode.SF, 8, 4);
        AdaptedModel adapted = AdaptedModel.unmerged(base, a, "fresh");
        assertEquals(LoraTestSupport.score(base, sf, Projection.PLAIN),
                LoraTestSupport.score(adapted.model(), sf, adapted.projection()), 1e-6);
    }
}
