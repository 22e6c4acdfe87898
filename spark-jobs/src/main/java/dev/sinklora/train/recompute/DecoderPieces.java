package dev.sinklora.train.recompute;

import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.llama.LlamaGraph;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.samediff.PieceGraph;
import dev.sinklora.train.TrainingLoss;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SameDiff pieces a decoder layer and the head are run as, each built once from the model core's
 * {@link LlamaGraph} methods for a template layer and run for every layer ({@link PieceInputs}):
 * <ul>
 *   <li>{@link #attnIn}: {@code x [T, hidden]} -> q, k, v ({@link LlamaGraph#attentionInputs}: RMSNorm,
 *       projections with LoRA, RoPE);</li>
 *   <li>the attention itself runs between the two, outside SameDiff
 *       ({@link dev.sinklora.model.attention.ChunkedAttention});</li>
 *   <li>{@link #attnOut}: rows {@code x [rows, hidden]} and their attention output, heads merged
 *       {@code attn [rows, H*D]} -> the layer's output rows {@code [rows, hidden]} ({@link LlamaGraph#outputRows}:
 *       o_proj, residual, RMSNorm, SwiGLU, residual; row-wise, so it runs on row chunks of any size);</li>
 *   <li>{@link #head}: rows {@code x [rows, hidden]}, their labels {@code [rows]} and a scale -> logits and the
 *       loss {@code scale * sum(NLL over target rows)} ({@link LlamaGraph#head}, {@link TrainingLoss}).</li>
 * </ul>
 * The two layer pieces are differentiated through upstream-gradient placeholders, with respect to their
 * inputs and the layer's trainable tensors; the head with respect to its rows and the final norm.
 */
final class DecoderPieces {

    /** A piece graph and the weights it is fed. */
    record Piece(PieceGraph graph, PieceInputs weights) {
    }

    static final String X = "x";
    static final String ATTN = "attn";
    static final String LABELS = "labels";
    static final String SCALE = "scale";

    final Piece attnIn;
    final Piece attnOut;
    final Piece head;
    /** Output names: q, k, v of {@link #attnIn}; the layer output of {@link #attnOut}; loss and logits of {@link #head}. */
    final String q;
    final String k;
    final String v;
    final String out;
    final String loss;
    final String logits;

    DecoderPieces(LlamaConfig c, LoraConfig lora, int batch, int n, double ropeFactor) {
        long tokens = (long) batch * n;
        int hidden = c.hiddenSize();
        int d = c.headDim();

        SameDiff a = SameDiff.create();
        PieceInputs aw = new PieceInputs(c, lora);
        SDVariable x = a.placeHolder(X, DataType.FLOAT, tokens, hidden);                         // [T, hidden]
        LlamaGraph.Qkv qkv = LlamaGraph.attentionInputs(a, c, aw, aw.projection(), 0, x, batch, n,
                LlamaGraph.ropeTables(a, c, n, ropeFactor));
        Map<SDVariable, SDVariable> upA = new LinkedHashMap<>();
        upA.put(qkv.q(), a.placeHolder("dq", DataType.FLOAT, batch, c.numAttentionHeads(), n, d));  // [B, H, N, D]
        upA.put(qkv.k(), a.placeHolder("dk", DataType.FLOAT, batch, c.numKeyValueHeads(), n, d));  // [B, KVH, N, D]
        upA.put(qkv.v(), a.placeHolder("dv", DataType.FLOAT, batch, c.numKeyValueHeads(), n, d));
        attnIn = new Piece(PieceGraph.vjp(a, upA, withInput(aw, X)), aw);
        q = qkv.q().name();
        k = qkv.k().name();
        v = qkv.v().name();

        SameDiff b = SameDiff.create();
        PieceInputs bw = new PieceInputs(c, lora);
        SDVariable xb = b.placeHolder(X, DataType.FLOAT, -1, hidden);                            // [rows, hidden]
        SDVariable attn = b.placeHolder(ATTN, DataType.FLOAT, -1, (long) c.numAttentionHeads() * d); // [rows, H*D]
        SDVariable y = LlamaGraph.outputRows(b, c, bw, bw.projection(), 0, xb, attn);           // [rows, hidden]
        SDVariable dy = b.placeHolder("dOut", DataType.FLOAT, -1, hidden);                       // [rows, hidden]
        attnOut = new Piece(PieceGraph.vjp(b, Map.of(y, dy), withInput(bw, X, ATTN)), bw);
        out = y.name();

        SameDiff h = SameDiff.create();
        PieceInputs hw = new PieceInputs(c, lora);
        SDVariable rows = h.placeHolder(X, DataType.FLOAT, -1, hidden);                           // [rows, hidden]
        SDVariable labels = h.placeHolder(LABELS, DataType.FLOAT, -1);                            // [rows]
        SDVariable scale = h.placeHolder(SCALE, DataType.FLOAT);                                  // scalar
        SDVariable logitsVar = LlamaGraph.head(h, c, hw, hw.projection(), rows, null).logits();   // [rows, vocab]
        SDVariable lossVar = TrainingLoss.targetNll(h, logitsVar, labels, c.vocabSize()).sum().mul(scale);
        head = new Piece(PieceGraph.loss(h, lossVar, List.of(logitsVar), withInput(hw, X)), hw);
        loss = lossVar.name();
        logits = logitsVar.name();
    }

    /** The placeholders a piece is differentiated with respect to: its activation inputs, then its trainable tensors. */
    private static List<String> withInput(PieceInputs weights, String... inputs) {
        List<String> wrt = new ArrayList<>(List.of(inputs));
        wrt.addAll(weights.trainable());
        return wrt;
    }
}
