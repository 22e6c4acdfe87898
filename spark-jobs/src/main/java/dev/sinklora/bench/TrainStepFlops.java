package dev.sinklora.bench;

import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.attention.BlockLayout;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.lora.TrainableExtra;

/**
 * Matmul FLOPs of one LoRA training step (forward + backward) of the decoder that
 * {@code LlamaGraph} builds, for {@code batch} sequences of {@code n} tokens. Holds the totals.
 *
 * <p>Counting convention (what {@code bench-train} prints):
 * <ul>
 *   <li>Only matrix products are counted: a {@code [m, k] x [k, n]} product is {@code 2*m*n*k} FLOPs.
 *       RMSNorm, RoPE, softmax, masking, SwiGLU, the embedding gather and the loss are not counted.</li>
 *   <li><b>Model FLOPs</b>: the forward product, plus {@code 2*m*n*k} for each operand gradient that the
 *       step <em>needs</em>: the gradient of an operand is needed iff that operand depends on a trainable
 *       tensor (its gradient must flow back) or is itself trainable (LoRA A/B). Frozen base weights take
 *       no weight gradient, so a frozen projection costs {@code 2x} its forward (input gradient only), and
 *       {@code 1x} where its input does not depend on anything trainable (layer 0's q/k/v when norms
 *       and the embedding are frozen). This is less than the usual {@code 6 * params * tokens}, which
 *       counts weight gradients of every weight.</li>
 *   <li><b>Attention</b>: the two batched products per head class ({@code Q K^T} and {@code P V}) over
 *       the blocks the kernel actually computes, masked entries included: {@code sf} computes
 *       {@code blocks * G * (S + G)} scores per head (about {@code N * (G + S)}; the shifted heads have
 *       one block more), {@code full} computes all {@code N * N} (the masked upper half included).
 *       {@link #attentionUsefulForward} counts only the unmasked (causally visible) scores.</li>
 *   <li><b>Executed FLOPs</b> (an estimate of what SameDiff runs): SameDiff differentiates a product with
 *       {@code matmul_bp}, which computes <em>both</em> operand gradients whenever either is needed, so
 *       every product on a gradient path costs {@code 3x} its forward; products off every gradient path
 *       cost {@code 1x}.</li>
 * </ul>
 *
 * @param forward                 forward matmul FLOPs
 * @param model                   forward + needed backward matmul FLOPs (the MFU numerator)
 * @param executed                estimate of the matmul FLOPs SameDiff executes (see above)
 * @param attentionForward        forward FLOPs of the two attention products, masked entries included
 * @param attentionUsefulForward  as {@code attentionForward}, counting only unmasked scores
 * @param attentionModel          the attention share of {@code model}
 * @param matmuls                 matrix-product ops in the forward graph (one batched op per head class)
 * @param differentiatedMatmuls   those on a gradient path (SameDiff gives each a {@code matmul_bp})
 */
public record TrainStepFlops(long forward, long model, long executed, long attentionForward,
                             long attentionUsefulForward, long attentionModel, int matmuls,
                             int differentiatedMatmuls) {

    /** Counts one step of {@code batch} sequences of {@code n} tokens. */
    public static TrainStepFlops count(LlamaConfig c, LoraConfig lora, AttentionPattern pattern, int batch, int n) {
        Counter acc = new Counter();
        long t = (long) batch * n;
        long hidden = c.hiddenSize();
        long qDim = (long) c.numAttentionHeads() * c.headDim();
        long kvDim = (long) c.numKeyValueHeads() * c.headDim();
        long inter = c.intermediateSize();
        boolean norms = lora.trainable().contains(TrainableExtra.NORM);
        // the residual stream depends on a trainable tensor from the start when the embedding is trained (its gather
        // and scatter-add gradient are not products, so they add no FLOPs themselves)
        boolean x = lora.trainable().contains(TrainableExtra.EMBED);
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            boolean h = x || norms;
            boolean q = acc.projection(t, hidden, qDim, h, lora, "q_proj");
            boolean key = acc.projection(t, hidden, kvDim, h, lora, "k_proj");
            boolean v = acc.projection(t, hidden, kvDim, h, lora, "v_proj");
            boolean a = acc.attention(c, pattern, batch, n, q, key, v);
            boolean o = acc.projection(t, qDim, hidden, a, lora, "o_proj");
            x = x || o;
            boolean h2 = x || norms;
            boolean gate = acc.projection(t, hidden, inter, h2, lora, "gate_proj");
            boolean up = acc.projection(t, hidden, inter, h2, lora, "up_proj");
            boolean down = acc.projection(t, inter, hidden, gate || up, lora, "down_proj");
            x = x || down;
        }
        acc.matmul(t, c.vocabSize(), hidden, 1, x || norms, false, false); // lm_head (frozen, never adapted)
        return new TrainStepFlops(acc.forward, acc.model, acc.executed, acc.attentionForward, acc.attentionUseful,
                acc.attentionModel, acc.matmuls, acc.differentiated);
    }

    /**
     * {@link #model} counting only unmasked attention scores (every attention product's cost scales with
     * the number of scores alike, so the attention share scales by {@code useful / computed}).
     */
    public long modelUseful() {
        return attentionForward == 0 ? model
                : model - attentionModel + Math.round((double) attentionModel * attentionUsefulForward / attentionForward);
    }

    /** Scores the attention products compute per head for one sequence: {@code blocks * G * (S + G)}. */
    static long computedScores(BlockLayout layout) {
        return (long) layout.blocks() * layout.group() * layout.width();
    }

    /** Unmasked scores of {@code layout} for one sequence and head (causal {@code N(N+1)/2} for full). */
    static long visibleScores(AttentionPattern pattern, BlockLayout layout) {
        if (pattern.mode() == AttentionMode.FULL) {
            long n = layout.length();
            return n * (n + 1) / 2; // no mask array of N^2 floats needed
        }
        long visible = 0;
        for (float m : layout.additiveMask()) {
            if (m == 0f) {
                visible++;
            }
        }
        return visible;
    }

    /** Accumulates the totals; each method returns whether its output depends on a trainable tensor. */
    private static final class Counter {
        long forward;
        long model;
        long executed;
        long attentionForward;
        long attentionUseful;
        long attentionModel;
        int matmuls;
        int differentiated;

        /**
         * {@code count} products {@code [m, k] x [k, n]}; {@code gradA}/{@code gradB}: whether the left /
         * right operand's gradient is needed.
         */
        void matmul(long m, long n, long kDim, long count, boolean gradA, boolean gradB, boolean attention) {
            long f = 2 * m * n * kDim * count;
            long needed = f * (1 + (gradA ? 1 : 0) + (gradB ? 1 : 0));
            forward += f;
            model += needed;
            executed += gradA || gradB ? 3 * f : f;
            matmuls++;
            differentiated += gradA || gradB ? 1 : 0;
            if (attention) {
                attentionForward += f;
                attentionModel += needed;
            }
        }

        /** {@code y = x W^T} (W frozen) plus, for a LoRA target, {@code (x A^T) B^T} (A, B trainable). */
        boolean projection(long t, long in, long out, boolean inputDepends, LoraConfig lora, String proj) {
            matmul(t, out, in, 1, inputDepends, false, false);
            if (!lora.targets().contains(proj)) {
                return inputDepends;
            }
            matmul(t, lora.r(), in, 1, inputDepends, true, false);  // x A^T: [T, in] x [in, r]
            matmul(t, out, lora.r(), 1, true, true, false);         // (x A^T) B^T: [T, r] x [r, out]
            return true;
        }

        /** {@code P = softmax(Q K^T)}, {@code O = P V} per head class and block, as GroupwiseAttention computes it. */
        boolean attention(LlamaConfig c, AttentionPattern p, int batch, int n, boolean q, boolean k, boolean v) {
            int heads = c.numAttentionHeads();
            int d = c.headDim();
            if (p.mode() == AttentionMode.FULL) {
                heads(BlockLayout.plain(p, n), p, (long) batch * heads, d, q, k, v);
            } else {
                int plain = heads / 2;
                if (plain > 0) {
                    heads(BlockLayout.plain(p, n), p, (long) batch * plain, d, q, k, v);
                }
                heads(BlockLayout.shifted(p, n), p, (long) batch * (heads - plain), d, q, k, v);
            }
            return q || k || v;
        }

        private void heads(BlockLayout layout, AttentionPattern p, long bh, int d, boolean q, boolean k, boolean v) {
            long blocks = bh * layout.blocks();
            matmul(layout.group(), layout.width(), d, blocks, q, k, true);   // Q K^T: [G, D] x [D, S+G]
            matmul(layout.group(), d, layout.width(), blocks, q || k, v, true); // P V: [G, S+G] x [S+G, D]
            attentionUseful += 2 * (2L * d * visibleScores(p, layout) * bh);
        }
    }
}
