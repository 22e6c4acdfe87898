package dev.sinklora.model.llama;

import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.attention.GroupwiseAttention;
import dev.sinklora.model.config.LlamaConfig;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The LLaMA decoder as SameDiff ops: embedding, per layer RMSNorm -> q/k/v -> RoPE (with linear
 * position interpolation) -> attention of the given pattern -> o_proj -> residual -> RMSNorm ->
 * SwiGLU MLP -> residual; final RMSNorm and lm_head. The one implementation of the model math:
 * scoring, evaluation and training all build it here.
 */
public final class LlamaGraph {

    private LlamaGraph() {
    }

    /** What {@link #build} returns. */
    public record Outputs(SDVariable hidden, SDVariable logits) {
    }

    /**
     * @param ids      INT [B * N] token ids, row-major by sequence
     * @param factor   linear RoPE interpolation factor (1 = none), on top of the config's frequencies (llama3)
     * @return         final hidden states [B*N, hidden] and logits [B*N, vocab]
     */
    public static Outputs build(SameDiff sd, LlamaConfig c, WeightSource weights, Projection proj,
                                SDVariable ids, int batch, int n, AttentionPattern pattern, double factor) {
        SDVariable embed = weights.weight(sd, LlamaTensors.EMBED);                 // [vocab, hidden]
        SDVariable x = sd.gather(embed, ids, 0);                                   // [T, hidden]
        return buildFromEmbeddings(sd, c, weights, proj, x, embed, batch, n, pattern, factor);
    }

    /**
     * The decoder from token embeddings on (for callers that look embeddings up themselves, e.g. a
     * trainable embedding layer in front). The lm_head of a tied model is the embedding weight.
     *
     * @param x        [B*N, hidden] token embeddings, row-major by sequence
     * @param embed    the embedding variable if the caller already took it from {@code weights} (it is
     *                 the head of a tied model), else null
     */
    public static Outputs buildFromEmbeddings(SameDiff sd, LlamaConfig c, WeightSource weights, Projection proj,
                                              SDVariable x, SDVariable embed, int batch, int n,
                                              AttentionPattern pattern, double factor) {
        int heads = c.numAttentionHeads();
        int kvHeads = c.numKeyValueHeads();
        int d = c.headDim();
        long tokens = (long) batch * n;

        Rope rope = Rope.of(c, factor);
        SDVariable cos = sd.constant("rope_cos", Nd4j.create(
                rope.cos(0, n), new long[]{1, 1, n, d}, DataType.FLOAT));
        SDVariable sin = sd.constant("rope_sin", Nd4j.create(
                rope.sin(0, n), new long[]{1, 1, n, d}, DataType.FLOAT));

        for (int l = 0; l < c.numHiddenLayers(); l++) {
            String p = LlamaTensors.layer(l);
            SDVariable h = rmsNorm(sd, x, weights.weight(sd, p + "input_layernorm.weight"), c.rmsNormEps());
            SDVariable q = heads(linear(sd, weights, proj, l, "q_proj", h), batch, n, heads, d);   // [B, H, N, D]
            SDVariable k = heads(linear(sd, weights, proj, l, "k_proj", h), batch, n, kvHeads, d); // [B, KVH, N, D]
            SDVariable v = heads(linear(sd, weights, proj, l, "v_proj", h), batch, n, kvHeads, d);
            q = rope(sd, q, cos, sin, d);
            k = rope(sd, k, cos, sin, d);
            SDVariable a = GroupwiseAttention.attend(sd, "l" + l + "_attn", q, k, v,
                    batch, heads, kvHeads, n, d, pattern);                         // [B, H, N, D]
            a = a.permute(0, 2, 1, 3).reshape(tokens, (long) heads * d);           // [T, H*D]
            x = x.add(linear(sd, weights, proj, l, "o_proj", a));

            SDVariable h2 = rmsNorm(sd, x, weights.weight(sd, p + "post_attention_layernorm.weight"), c.rmsNormEps());
            SDVariable gate = linear(sd, weights, proj, l, "gate_proj", h2);      // [T, inter]
            SDVariable up = linear(sd, weights, proj, l, "up_proj", h2);
            x = x.add(linear(sd, weights, proj, l, "down_proj", sd.nn.swish(gate).mul(up)));
        }
        SDVariable hidden = rmsNorm(sd, x, weights.weight(sd, LlamaTensors.FINAL_NORM), c.rmsNormEps());
        SDVariable head = !c.tieWordEmbeddings() ? weights.weight(sd, LlamaTensors.LM_HEAD)
                : embed != null ? embed : weights.weight(sd, LlamaTensors.EMBED);
        SDVariable logits = proj.apply(sd, "lm_head", hidden, head);               // [T, vocab]
        return new Outputs(hidden, logits);
    }

    private static SDVariable linear(SameDiff sd, WeightSource weights, Projection proj, int layer,
                                     String name, SDVariable x) {
        String module = LlamaTensors.projection(layer, name);
        return proj.apply(sd, module, x, weights.weight(sd, module + ".weight"));
    }

    /** [B*N, heads*D] -> [B, heads, N, D]. */
    private static SDVariable heads(SDVariable x, int batch, int n, int heads, int d) {
        return x.reshape(batch, n, heads, d).permute(0, 2, 1, 3);
    }

    /** RMSNorm in FP32: {@code x / sqrt(mean(x^2) + eps) * w}. x [T, hidden], w [hidden]. */
    static SDVariable rmsNorm(SameDiff sd, SDVariable x, SDVariable w, double eps) {
        SDVariable ms = x.mul(x).mean(true, 1);
        return x.mul(sd.math.rsqrt(ms.add(eps))).mul(w);
    }

    /** HF rotate-half RoPE: {@code x*cos + rotate_half(x)*sin}, x [B, H, N, D]. */
    static SDVariable rope(SameDiff sd, SDVariable x, SDVariable cos, SDVariable sin, int d) {
        SDVariable x1 = sd.stridedSlice(x, new long[]{0, 0, 0, 0}, new long[]{0, 0, 0, d / 2},
                new long[]{1, 1, 1, 1}, 0, 0b0111, 0, 0, 0);
        SDVariable x2 = sd.stridedSlice(x, new long[]{0, 0, 0, d / 2}, new long[]{0, 0, 0, d},
                new long[]{1, 1, 1, 1}, 0, 0b0111, 0, 0, 0);
        SDVariable rotated = sd.concat(3, x2.neg(), x1);
        return x.mul(cos).add(rotated.mul(sin));
    }
}
