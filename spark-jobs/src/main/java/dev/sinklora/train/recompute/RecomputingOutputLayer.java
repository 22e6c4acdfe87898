package dev.sinklora.train.recompute;

import dev.sinklora.spark.FrozenBaseCache;
import dev.sinklora.train.SinkLoraLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.samediff.SameDiffOutputLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime of a {@link SinkLoraLayer} with {@code recompute=layer}: the same DL4J output layer (same
 * parameter keys and flat parameter/gradient views, inherited from DL4J's {@link SameDiffOutputLayer}), but
 * instead of one SameDiff graph of the whole model, whose gradient session keeps every activation, it runs a
 * {@link LayerwiseDecoder}: memory grows with one decoder layer's activations plus a boundary tensor per layer.
 *
 * <p>DL4J conventions kept: the score is the loss divided by the minibatch size (the loss is B x the token mean,
 * {@link dev.sinklora.train.TrainingLoss}); gradients go into DL4J's gradient view array; backprop returns
 * d(loss)/d(input) in DL4J's activation-gradient workspace (zero for token ids, the embeddings' gradient when a
 * trainable embedding layer is in front). DL4J asks for the score right after backprop on the same minibatch;
 * the loss backprop computed is reused then instead of running the model again.
 */
public final class RecomputingOutputLayer extends SameDiffOutputLayer {

    private transient LayerwiseDecoder decoder;
    private INDArray scoredInput;
    private INDArray scoredLabels;
    private double scoredLoss = Double.NaN;
    /** Rows per chunk of a layer's row-wise part; 0 = the decoder's default (a memory budget). */
    private int layerRows;

    public RecomputingOutputLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /**
     * Runs each layer's row-wise part (o_proj to the MLP) in chunks of {@code rows} tokens instead of the
     * default budget's; for tests, which force several chunks on tiny inputs.
     */
    public void layerRows(int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("rows must be positive: " + rows);
        }
        layerRows = rows;
        decoder = null;
    }

    private SinkLoraLayer sinkLayer() {
        return (SinkLoraLayer) layerConf();
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        INDArray logits;
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray x = embeddings();
            logits = decoder().logits(x, paramTable);                       // [B*N, vocab]
            releaseEmbeddings(x);
        }
        return toWorkspace(ArrayType.ACTIVATIONS, logits, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (labels == null) {
            throw new IllegalStateException("cannot backprop " + getClass().getSimpleName() + ": labels are not set");
        }
        INDArray dInput;
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            gradients.assign(0);
            INDArray x = embeddings();
            LayerwiseDecoder.Result r = decoder().lossAndGradients(x, labels, paramTable, gradTable);
            releaseEmbeddings(x);
            scoredInput = input;
            scoredLabels = labels;
            scoredLoss = r.loss();
            if (sinkLayer().embeddingsAsInput()) {
                dInput = r.dEmbeddings().reshape('c', input.shape());         // [B, N, hidden]
            } else {
                r.dEmbeddings().close();
                dInput = Nd4j.zeros(input.dataType(), input.shape());         // token ids: not differentiable
            }
        }
        Gradient g = new DefaultGradient();
        paramTable.keySet().forEach(key -> g.gradientForVariable().put(key, gradTable.get(key)));
        return new Pair<>(g, toWorkspace(ArrayType.ACTIVATION_GRAD, dInput, workspaceMgr));
    }

    @Override
    public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        double loss;
        if (input == scoredInput && labels == scoredLabels && !Double.isNaN(scoredLoss)) {
            loss = scoredLoss;
        } else {
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                INDArray x = embeddings();
                loss = decoder().loss(x, labels, paramTable);
                releaseEmbeddings(x);
            }
        }
        forgetScore();
        return (loss + fullNetRegTerm) / input.size(0);
    }

    @Override
    public void setInput(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        forgetScore();
        super.setInput(input, workspaceMgr);
    }

    @Override
    public void setLabels(INDArray labels) {
        forgetScore();
        super.setLabels(labels);
    }

    private void forgetScore() {
        scoredInput = null;
        scoredLabels = null;
        scoredLoss = Double.NaN;
    }

    /** The model's input embeddings [B*N, hidden]: looked up from the ids, or the embedding layer's output. */
    private INDArray embeddings() {
        if (sinkLayer().embeddingsAsInput()) {
            return input.reshape('c', input.size(0) * input.size(1), input.size(2)).castTo(DataType.FLOAT);
        }
        return decoder().embed(input);
    }

    private void releaseEmbeddings(INDArray x) {
        if (x != input && x.closeable()) {
            x.close();
        }
    }

    private LayerwiseDecoder decoder() {
        int batch = (int) input.size(0);
        if (decoder == null || decoder.batch() != batch) {
            SinkLoraLayer s = sinkLayer();
            decoder = layerRows > 0
                    ? new LayerwiseDecoder(FrozenBaseCache.get(s.getBaseUri()), s.loraConfig(), s.pattern(),
                            s.getRopeFactor(), batch, s.getSeqLen(), layerRows)
                    : new LayerwiseDecoder(FrozenBaseCache.get(s.getBaseUri()), s.loraConfig(), s.pattern(),
                            s.getRopeFactor(), batch, s.getSeqLen());
        }
        return decoder;
    }

    /**
     * {@code a} (detached, computed outside DL4J's workspaces) moved into DL4J's workspace for {@code type}, as
     * DL4J's own SameDiff layers return theirs; as it is where that workspace is scoped out.
     */
    private static INDArray toWorkspace(ArrayType type, INDArray a, LayerWorkspaceMgr workspaceMgr) {
        if (workspaceMgr.isScopedOut(type)) {
            return a;
        }
        INDArray moved = workspaceMgr.dup(type, a);
        INDArray owner = a.isView() ? null : a;                          // a view's buffer is freed with its owner
        if (owner != null && owner.closeable()) {
            owner.close();
        }
        return moved;
    }
}
