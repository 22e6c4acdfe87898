package dev.sinklora.model.lora;

import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.Projection;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A base model with an adapter applied unmerged: the model to run (its config carrying the adapter's RoPE factor,
 * fully trained tensors swapped in, base arrays shared) and the {@link LoraProjection} to run it with.
 */
public record AdaptedModel(LlamaModel model, Projection projection) {

    /**
     * @throws dev.sinklora.model.BadInputException if the adapter does not fit the base
     */
    public static AdaptedModel unmerged(LlamaModel base, LoraAdapter adapter, String where) {
        adapter.checkCompatible(base.config(), where);
        Map<String, INDArray> weights = new LinkedHashMap<>(base.weights());
        weights.putAll(adapter.extras());
        LlamaModel model = new LlamaModel(LoraMerger.mergedConfig(base.config(), adapter.trainingInfo(), null), weights);
        return new AdaptedModel(model, LoraProjection.constants(adapter));
    }
}
