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
 * scoring, evaluation and training all build it here, either whole ({@link #build}) or piece by
 * piece ({@link #attentionInputs}, {@link #attention}, {@link #mergeHeads}, {@link #outputRows}, {@link #head}:
 * the pieces the whole model is made of, which activation recomputation builds one layer at a time).
 */
public final class LlamaGraph {

    private LlamaGraph() {
    }

    /** What {@link #build} returns. */
    public record Outputs(SDVariable hidden, SDVariable logits) {
    }

    /** RoPE tables of one sequence length, {@code [1, 1, N, D]} each. */
    public record RopeTables(SDVariable cos, SDVariable sin) {
    }

    /** A layer's attention inputs, RoPE applied: q {@code [B, H, N, D]}, k and v {@code [B, KVH, N, D]}. */
    public record Qkv(SDVariable q, SDVariable k, SDVariable v) {
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
        RopeTables rope = ropeTables(sd, c, n, factor);
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            Qkv qkv = attentionInputs(sd, c, weights, proj, l, x, batch, n, rope);
            SDVariable a = attention(sd, c, l, qkv, batch, n, pattern);
            x = attentionOutput(sd, c, weights, proj, l, x, a, batch, n);
        }
        return head(sd, c, weights, proj, x, embed);
    }

    /** The RoPE tables for positions {@code 0..n-1}, as constants {@code rope_cos}/{@code rope_sin}. */
    public static RopeTables ropeTables(SameDiff sd, LlamaConfig c, int n, double factor) {
        int d = c.headDim();
        Rope rope = Rope.of(c, factor);
        SDVariable cos = sd.constant("rope_cos", Nd4j.create(
                rope.cos(0, n), new long[]{1, 1, n, d}, DataType.FLOAT));
        SDVariable sin = sd.constant("rope_sin", Nd4j.create(
                rope.sin(0, n), new long[]{1, 1, n, d}, DataType.FLOAT));
        return new RopeTables(cos, sin);
    }

    /**
     * Layer {@code l}'s attention inputs: RMSNorm, the q/k/v projections, RoPE.
     *
     * @param x [B*N, hidden] the layer's input (residual stream)
     */
    public static Qkv attentionInputs(SameDiff sd, LlamaConfig c, WeightSource weights, Projection proj, int l,
                                      SDVariable x, int batch, int n, RopeTables rope) {
        int d = c.headDim();
        SDVariable h = rmsNorm(sd, x, weights.weight(sd, LlamaTensors.layer(l) + "input_layernorm.weight"),
                c.rmsNormEps());
        SDVariable q = heads(linear(sd, weights, proj, l, "q_proj", h), batch, n, c.numAttentionHeads(), d); // [B, H, N, D]
        SDVariable k = heads(linear(sd, weights, proj, l, "k_proj", h), batch, n, c.numKeyValueHeads(), d);  // [B, KVH, N, D]
        SDVariable v = heads(linear(sd, weights, proj, l, "v_proj", h), batch, n, c.numKeyValueHeads(), d);
        return new Qkv(rope(sd, q, rope.cos(), rope.sin(), d), rope(sd, k, rope.cos(), rope.sin(), d), v);
    }

    /** Layer {@code l}'s attention of {@code pattern}: [B, H, N, D] (before o_proj). */
    public static SDVariable attention(SameDiff sd, LlamaConfig c, int l, Qkv qkv, int batch, int n,
                                       AttentionPattern pattern) {
        return GroupwiseAttention.attend(sd, "l" + l + "_attn", qkv.q(), qkv.k(), qkv.v(),
                batch, c.numAttentionHeads(), c.numKeyValueHeads(), n, c.headDim(), pattern);
    }

    /**
     * The rest of layer {@code l}: the heads merged ({@link #mergeHeads}), then {@link #outputRows}.
     *
     * @param x    [B*N, hidden] the layer's input (residual stream)
     * @param attn [B, H, N, D] the layer's attention output
     * @return     [B*N, hidden] the layer's output
     */
    public static SDVariable attentionOutput(SameDiff sd, LlamaConfig c, WeightSource weights, Projection proj, int l,
                                             SDVariable x, SDVariable attn, int batch, int n) {
        return outputRows(sd, c, weights, proj, l, x, mergeHeads(c, attn, batch, n));
    }

    /** The attention output's heads side by side per token: [B, H, N, D] -> [B*N, H*D]. */
    public static SDVariable mergeHeads(LlamaConfig c, SDVariable attn, int batch, int n) {
        return attn.permute(0, 2, 1, 3).reshape((long) batch * n, (long) c.numAttentionHeads() * c.headDim());
    }

    /**
     * Layer {@code l} after attention, row by row (every op acts per token, so it can run on any subset of
     * rows): o_proj, residual, RMSNorm, SwiGLU MLP, residual.
     *
     * @param x [rows, hidden] the layer's input (residual stream)
     * @param a [rows, H*D] the attention output, heads merged ({@link #mergeHeads})
     * @return  [rows, hidden] the layer's output
     */
    public static SDVariable outputRows(SameDiff sd, LlamaConfig c, WeightSource weights, Projection proj, int l,
                                        SDVariable x, SDVariable a) {
        x = x.add(linear(sd, weights, proj, l, "o_proj", a));
        SDVariable h2 = rmsNorm(sd, x, weights.weight(sd, LlamaTensors.layer(l) + "post_attention_layernorm.weight"),
                c.rmsNormEps());
        SDVariable gate = linear(sd, weights, proj, l, "gate_proj", h2);          // [rows, inter]
        SDVariable up = linear(sd, weights, proj, l, "up_proj", h2);
        return x.add(linear(sd, weights, proj, l, "down_proj", sd.nn.swish(gate).mul(up)));
    }

    /**
     * Final RMSNorm and lm_head (the embedding weight for a tied model).
     *
     * @param x     [T, hidden] the last layer's output
     * @param embed the embedding variable if already taken from {@code weights}, else null
     */
    public static Outputs head(SameDiff sd, LlamaConfig c, WeightSource weights, Projection proj, SDVariable x,
                               SDVariable embed) {
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
