package dev.sinklora.train.recompute;

import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.llama.LlamaGraph;
import dev.sinklora.model.samediff.PieceGraph;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * {@link LayerAttention} as a SameDiff piece: the model core's attention ({@link LlamaGraph#attention},
 * group-wise for sf/s2) over q/k/v placeholders, differentiated through an upstream gradient. Memory: one
 * layer's attention activations (for {@code full}, score matrices of {@code N x N} per head).
 */
final class GraphAttention implements LayerAttention {

    private final PieceGraph graph;
    private final String out;

    GraphAttention(LlamaConfig c, AttentionPattern pattern, int batch, int n) {
        SameDiff sd = SameDiff.create();
        int d = c.headDim();
        SDVariable q = sd.placeHolder("q", DataType.FLOAT, batch, c.numAttentionHeads(), n, d);  // [B, H, N, D]
        SDVariable k = sd.placeHolder("k", DataType.FLOAT, batch, c.numKeyValueHeads(), n, d);  // [B, KVH, N, D]
        SDVariable v = sd.placeHolder("v", DataType.FLOAT, batch, c.numKeyValueHeads(), n, d);
        SDVariable a = LlamaGraph.attention(sd, c, 0, new LlamaGraph.Qkv(q, k, v), batch, n, pattern); // [B, H, N, D]
        SDVariable da = sd.placeHolder("dOut", DataType.FLOAT, batch, c.numAttentionHeads(), n, d);
        this.graph = PieceGraph.vjp(sd, Map.of(a, da), List.of("q", "k", "v"));
        this.out = a.name();
    }

    @Override
    public INDArray forward(INDArray q, INDArray k, INDArray v) {
        return graph.forward(Map.of("q", q, "k", k, "v", v), out).get(out);
    }

    @Override
    public Grads backward(INDArray q, INDArray k, INDArray v, INDArray dOut) {
        Map<String, INDArray> g = graph.gradients(Map.of("q", q, "k", k, "v", v, "dOut", dOut));
        return new Grads(g.get("q"), g.get("k"), g.get("v"));
    }
}
