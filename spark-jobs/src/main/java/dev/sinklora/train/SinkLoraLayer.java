package dev.sinklora.train;

import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.llama.LlamaGraph;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.LlamaTensors;
import dev.sinklora.model.llama.WeightSource;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.lora.LoraProjection;
import dev.sinklora.model.lora.TrainableExtra;
import dev.sinklora.model.samediff.SameDiffs;
import dev.sinklora.spark.FrozenBaseCache;
import dev.sinklora.train.recompute.RecomputingOutputLayer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffOutputLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The whole LLaMA + LoRA as one DL4J output layer, built from the model core's {@link LlamaGraph}.
 * Its DL4J parameters are only the trainable tensors ({@link TrainableParams}); the frozen base
 * comes from {@link FrozenBaseCache}, so it is never broadcast or averaged.
 *
 * <p>How it runs ({@link #getRecompute}): {@code layer} (default) instantiates a
 * {@link RecomputingOutputLayer}, which keeps only each decoder layer's input and recomputes one layer
 * at a time in the backward pass; {@code none} runs {@link #defineLayer}'s one SameDiff graph of the
 * whole model (base weights as constants), whose gradient session keeps every activation: the oracle
 * the recomputing layer is tested against. Both have the same parameters, score and gradients.
 *
 * <p>Input: token ids {@code [B, N]} (as floats, DL4J's only input type), or, with trainable
 * embeddings, the output of a DL4J embedding layer in front ({@code [B, N, hidden]}). Labels: the next-token
 * target of every position {@code [B, N]}, {@code -100} where no loss is taken (SFT prompt,
 * padding, the last position). Score (DL4J's loss / B): the mean NLL over the target tokens.
 *
 * <p>A plain Java bean because DL4J serialises layer configurations to JSON for Spark.
 */
public class SinkLoraLayer extends SameDiffOutputLayer {

    /** Label value that takes no loss (HF's ignore index). */
    public static final int IGNORE = -100;

    private String baseUri;
    private int batchSize;
    private int seqLen;
    private String attention = "sf";
    private int groupSize;
    private int sinkTokens;
    private double ropeFactor = 1.0;
    private int loraR = 8;
    private double loraAlpha = 16;
    private List<String> targets = new ArrayList<>(LlamaTensors.ATTENTION_PROJECTIONS);
    private List<String> trainable = new ArrayList<>();
    private String recompute = RecomputeMode.LAYER.cliName();

    public SinkLoraLayer() {
    }

    public LoraConfig loraConfig() {
        Set<TrainableExtra> extras = EnumSet.noneOf(TrainableExtra.class);
        trainable.forEach(t -> extras.add(TrainableExtra.parse(t)));
        return new LoraConfig(loraR, loraAlpha, 0.0, targets, extras);
    }

    public AttentionPattern pattern() {
        AttentionMode mode = AttentionMode.parse(attention);
        return mode == AttentionMode.FULL ? AttentionPattern.FULL : new AttentionPattern(mode, groupSize, sinkTokens);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        if (RecomputeMode.parse(recompute) == RecomputeMode.NONE) {
            return super.instantiate(conf, listeners, layerIndex, layerParamsView, initializeParams, networkDataType);
        }
        // what DL4J's SameDiffOutputLayer configuration does, with the recomputing runtime layer
        RecomputingOutputLayer layer = new RecomputingOutputLayer(conf, networkDataType);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        layer.setParamTable(initializer().init(conf, layerParamsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }

    /** Whether the input is embeddings from a trainable DL4J embedding layer in front (else token ids). */
    public boolean embeddingsAsInput() {
        return loraConfig().trainable().contains(TrainableExtra.EMBED);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        LlamaConfig c = FrozenBaseCache.get(baseUri).config();
        for (TrainableParams.Param p : new TrainableParams(c, loraConfig()).layerParams()) {
            params.addWeightParam(p.key(), p.shape());
        }
    }

    /** Not called by DL4J 1.0.0-M2.1 for output layers; the trainer assigns initial values itself. */
    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        params.values().forEach(p -> p.assign(0));
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, SDVariable labels, Map<String, SDVariable> params) {
        SameDiffs.silenceGradFunctionNoise(); // DL4J builds the gradient function right after this
        LlamaModel base = FrozenBaseCache.get(baseUri);
        LlamaConfig c = base.config();
        LoraConfig lora = loraConfig();
        TrainableParams trainableParams = new TrainableParams(c, lora);

        Map<String, String> normKeys = new HashMap<>();
        Set<String> modules = new HashSet<>();
        for (TrainableParams.Param p : trainableParams.layerParams()) {
            if (p.loraA()) {
                modules.add(p.hfName());
            } else if (!p.loraB()) {
                normKeys.put(p.hfName(), p.key());
            }
        }
        WeightSource frozen = base.constants();
        WeightSource weights = (s, name) -> normKeys.containsKey(name)
                ? params.get(normKeys.get(name)).reshape(c.hiddenSize())
                : frozen.weight(s, name);
        LoraProjection projection = new LoraProjection(lora.scaling(), modules, new LoraProjection.Weights() {
            @Override
            public SDVariable a(SameDiff s, String module) {
                return params.get(TrainableParams.loraKey(module, 'A'));
            }

            @Override
            public SDVariable b(SameDiff s, String module) {
                return params.get(TrainableParams.loraKey(module, 'B'));
            }
        });

        LlamaGraph.Outputs out;
        if (embeddingsAsInput()) {
            // input: embeddings from the trainable DL4J embedding layer in front, [B, N, hidden]
            SDVariable x = input.reshape((long) batchSize * seqLen, c.hiddenSize());
            out = LlamaGraph.buildFromEmbeddings(sd, c, weights, projection, x, null, batchSize, seqLen,
                    pattern(), ropeFactor);
        } else {
            SDVariable ids = input.castTo(DataType.INT).reshape((long) batchSize * seqLen);
            out = LlamaGraph.build(sd, c, weights, projection, ids, batchSize, seqLen, pattern(), ropeFactor);
        }
        SDVariable logits = out.logits();                                          // [B*N, vocab]
        sd.updateVariableNameAndReference(logits, "logits");

        SDVariable target = labels.reshape((long) batchSize * seqLen);             // [B*N]
        // DL4J's output layer always asks for dL/d(input); ids are not differentiable, so add
        // 0 * sum(input) to give that gradient a defined value (zero).
        SDVariable loss = TrainingLoss.loss(TrainingLoss.targetNll(sd, logits, target, c.vocabSize()), batchSize)
                .add(input.sum().mul(0.0));
        // sd.loss.* registers its own output as the loss; ours is the masked mean.
        sd.setLossVariables(loss);
        return loss;
    }

    @Override
    public String activationsVertexName() {
        return "logits";
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(seqLen);
    }

    public String getBaseUri() { return baseUri; }
    public void setBaseUri(String baseUri) { this.baseUri = baseUri; }
    public int getBatchSize() { return batchSize; }
    public void setBatchSize(int batchSize) { this.batchSize = batchSize; }
    public int getSeqLen() { return seqLen; }
    public void setSeqLen(int seqLen) { this.seqLen = seqLen; }
    public String getAttention() { return attention; }
    public void setAttention(String attention) { this.attention = attention; }
    public int getGroupSize() { return groupSize; }
    public void setGroupSize(int groupSize) { this.groupSize = groupSize; }
    public int getSinkTokens() { return sinkTokens; }
    public void setSinkTokens(int sinkTokens) { this.sinkTokens = sinkTokens; }
    public double getRopeFactor() { return ropeFactor; }
    public void setRopeFactor(double ropeFactor) { this.ropeFactor = ropeFactor; }
    public int getLoraR() { return loraR; }
    public void setLoraR(int loraR) { this.loraR = loraR; }
    public double getLoraAlpha() { return loraAlpha; }
    public void setLoraAlpha(double loraAlpha) { this.loraAlpha = loraAlpha; }
    public List<String> getTargets() { return targets; }
    public void setTargets(List<String> targets) { this.targets = targets; }
    public List<String> getTrainable() { return trainable; }
    public void setTrainable(List<String> trainable) { this.trainable = trainable; }
    public String getRecompute() { return recompute; }
    public void setRecompute(String recompute) { this.recompute = recompute; }
}
