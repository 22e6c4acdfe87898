package dev.sinklora.bench;

import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.lora.TrainableExtra;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link TrainStepFlops} against numbers computed by hand for a toy decoder: 1 layer, hidden 8,
 * 2 heads of 4, intermediate 12, vocab 16; one sequence of N = 8 tokens; LoRA r = 2 on q_proj only.
 */
class BenchTrainFlopsTest {

    static final LlamaConfig TOY = new LlamaConfig(8, 12, 2, 2, 1, 1e-6, 10000.0, null, 16, 64, false, 1, 2, null);
    static final LoraConfig Q_ONLY = new LoraConfig(2, 4, 0, List.of("q_proj"), Set.of());
    static final LoraConfig Q_ONLY_NORMS = new LoraConfig(2, 4, 0, List.of("q_proj"), EnumSet.of(TrainableExtra.NORM));

    /*
     * Forward, 2*m*n*k per product, T = 8:
     *   q: x W^T 2*8*8*8 = 1024, x A^T 2*8*2*8 = 256, (xA^T) B^T 2*8*8*2 = 256;  k: 1024;  v: 1024
     *   full attention, 2 heads: Q K^T 2*(2*8*8*4) = 1024, P V 1024
     *   o: 1024;  gate, up: 2*8*12*8 = 1536 each;  down: 1536;  lm_head: 2*8*16*8 = 2048
     *   => forward 13312, attention forward 2048
     * Needed gradients (embedding and norms frozen, so layer 0's normed input needs no gradient):
     *   q base: none -> 1024;  A: dA only -> 512;  B: both -> 768;  k, v: none -> 1024 each
     *   Q K^T: dQ only (k does not depend on anything trainable) -> 2048;  P V: dP only -> 2048
     *   o, gate, up, down, lm_head: input gradient only -> 2048, 3072, 3072, 3072, 4096
     *   => model 23808, attention 4096
     * Executed (matmul_bp computes both operand gradients): 3x forward for every product except the
     *   three base q/k/v products of layer 0 (1x): 3 * 13312 - 2 * 3072 = 33792
     */
    @Test
    void fullAttentionLoraOnQueriesMatchesTheHandCount() {
        TrainStepFlops f = TrainStepFlops.count(TOY, Q_ONLY, AttentionPattern.FULL, 1, 8);
        assertEquals(13312, f.forward());
        assertEquals(23808, f.model());
        assertEquals(33792, f.executed());
        assertEquals(2048, f.attentionForward());
        assertEquals(4096, f.attentionModel());
        // causal: 8*9/2 = 36 visible of 64 scores per head, 2 heads, 2*2*4 FLOPs per score for Q K^T + P V
        assertEquals(2 * 36 * 16, f.attentionUsefulForward());
        assertEquals(23808 - 4096 + 4096 * 36 / 64, f.modelUseful());
        // 3 (q) + 1 (k) + 1 (v) + 2 (attention) + 1 (o) + 3 (mlp) + 1 (lm_head); layer 0's 3 base q/k/v are not differentiated
        assertEquals(12, f.matmuls());
        assertEquals(9, f.differentiatedMatmuls());
    }

    /*
     * sf with G = N/4 = 2, S = 4, one plain and one shifted (reassembled) head:
     *   plain head: 4 blocks of G x (S+G) = 2 x 6 scores; shifted head: slots t+1, 9 slots -> 5 blocks
     *   Q K^T forward: (4 + 5) * 2*2*6*4 = 864;  P V: 864  => attention forward 1728 (vs 2048 full)
     *   model: both products take one gradient (dQ, dP) -> 3456
     * Visible scores (sinks 0..3 added where causal and not already in the window):
     *   plain   per query 0..7: 1,2,3,4,5,6,5,6 = 32
     *   shifted per query 0..7: 1,2,3,4,5,5,6,5 = 31     => useful forward (32 + 31) * 16 = 1008
     */
    @Test
    void sfCountsTheBlocksItComputesAndTheScoresItKeeps() {
        AttentionPattern sf = AttentionPattern.of(AttentionMode.SF, 8, null, null);
        TrainStepFlops f = TrainStepFlops.count(TOY, Q_ONLY, sf, 1, 8);
        assertEquals(1728, f.attentionForward());
        assertEquals(3456, f.attentionModel());
        assertEquals(1008, f.attentionUsefulForward());
        assertEquals(13312 - 2048 + 1728, f.forward());
        assertEquals(23808 - 4096 + 3456, f.model());
        assertEquals(14, f.matmuls()); // two head classes: two products each
    }

    /*
     * Trained norms make layer 0's normed input trainable-dependent: every product now takes its input
     * gradient, k and v too, and both attention products take both gradients:
     *   q base 2048, A 768, B 768, k 2048, v 2048, Q K^T 3072, P V 3072, o 2048, mlp 9216, lm_head 4096
     */
    @Test
    void trainedNormsAddTheFirstLayersInputGradients() {
        TrainStepFlops f = TrainStepFlops.count(TOY, Q_ONLY_NORMS, AttentionPattern.FULL, 1, 8);
        assertEquals(29184, f.model());
        assertEquals(3 * 13312, f.executed());
        assertEquals(12, f.differentiatedMatmuls());
    }

    /*
     * A trained embedding (LoRA+ "embed") makes the residual stream trainable-dependent from the start, so layer 0's
     * normed input needs its gradient exactly as with trained norms: the same products (the gather and its
     * scatter-add gradient are not products).
     */
    @Test
    void aTrainedEmbeddingNeedsTheSameProductsAsTrainedNorms() {
        LoraConfig embed = new LoraConfig(Q_ONLY.r(), Q_ONLY.alpha(), 0, Q_ONLY.targets(), EnumSet.of(TrainableExtra.EMBED));
        TrainStepFlops f = TrainStepFlops.count(TOY, embed, AttentionPattern.FULL, 1, 8);
        assertEquals(29184, f.model());
        assertEquals(3 * 13312, f.executed());
        assertEquals(12, f.differentiatedMatmuls());
        assertEquals(TrainStepFlops.count(TOY, Q_ONLY_NORMS, AttentionPattern.FULL, 1, 8), f);
    }

    @Test
    void batchScalesEveryCountLinearly() {
        TrainStepFlops one = TrainStepFlops.count(TOY, Q_ONLY, AttentionPattern.FULL, 1, 8);
        TrainStepFlops three = TrainStepFlops.count(TOY, Q_ONLY, AttentionPattern.FULL, 3, 8);
        assertEquals(3 * one.model(), three.model());
        assertEquals(3 * one.attentionUsefulForward(), three.attentionUsefulForward());
    }
}
