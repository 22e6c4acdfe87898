package dev.sinklora.train.recompute;

import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.llama.LlamaTensors;
import dev.sinklora.model.llama.Projection;
import dev.sinklora.model.llama.WeightSource;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.lora.LoraProjection;
import dev.sinklora.model.lora.TrainableExtra;
import dev.sinklora.train.TrainableParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * The weights of one piece graph as placeholders. A piece is built once, for a template layer (layer 0's
 * tensor names), and run for every layer {@code l} by feeding layer {@code l}'s arrays under the template's
 * placeholder names: frozen base tensors (FP32, see {@link FrozenLayer}) and the trainable DL4J parameters
 * ({@link TrainableParams}: LoRA A/B, norms). Serves the piece's {@link LlamaGraph} calls as their
 * {@link WeightSource} and, through {@link #projection}, their LoRA matrices.
 */
final class PieceInputs implements WeightSource {

    /** A placeholder and the tensor it holds for layer {@code l}: an HF name (frozen) or a DL4J key (trainable). */
    private record Slot(boolean trainable, IntFunction<String> name) {
    }

    private static final String TEMPLATE = LlamaTensors.layer(0);

    private final LlamaConfig config;
    private final LoraConfig lora;
    private final Map<String, Slot> slots = new LinkedHashMap<>();

    PieceInputs(LlamaConfig config, LoraConfig lora) {
        this.config = config;
        this.lora = lora;
    }

    @Override
    public SDVariable weight(SameDiff sd, String name) {
        if (name.endsWith("norm.weight") && lora.trainable().contains(TrainableExtra.NORM)) {
            // DL4J holds norms as [1, hidden]
            return slot(sd, name, true, l -> TrainableParams.normKey(forLayer(name, l)), 1, config.hiddenSize())
                    .reshape(config.hiddenSize());
        }
        return slot(sd, name, false, l -> forLayer(name, l), LlamaTensors.shape(config, name));
    }

    /** LoRA over the template layer's targeted projections, A and B read from placeholders. */
    Projection projection() {
        Set<String> modules = lora.targets().stream().map(p -> LlamaTensors.projection(0, p)).collect(Collectors.toSet());
        return new LoraProjection(lora.scaling(), modules, new LoraProjection.Weights() {
            @Override
            public SDVariable a(SameDiff sd, String module) {
                long[] w = LlamaTensors.shape(config, module + ".weight");                // [out, in]
                return slot(sd, module + ".lora_A", true,
                        l -> TrainableParams.loraKey(forLayer(module, l), 'A'), lora.r(), w[1]); // [r, in]
            }

            @Override
            public SDVariable b(SameDiff sd, String module) {
                long[] w = LlamaTensors.shape(config, module + ".weight");
                return slot(sd, module + ".lora_B", true,
                        l -> TrainableParams.loraKey(forLayer(module, l), 'B'), w[0], lora.r()); // [out, r]
            }
        });
    }

    /** The placeholders of trainable tensors (what the piece is differentiated with respect to). */
    List<String> trainable() {
        return slots.entrySet().stream().filter(e -> e.getValue().trainable()).map(Map.Entry::getKey).toList();
    }

    /** Layer {@code l}'s arrays by placeholder name: frozen ones from {@code frozen}, trainable ones by DL4J key. */
    Map<String, INDArray> feed(int l, FrozenLayer frozen, Map<String, INDArray> params) {
        Map<String, INDArray> feed = new LinkedHashMap<>();
        slots.forEach((placeholder, s) -> {
            String name = s.name().apply(l);
            INDArray a = s.trainable() ? params.get(name) : frozen.get(name);
            if (a == null) {
                throw new IllegalStateException("no array for " + name + " (placeholder " + placeholder + ")");
            }
            feed.put(placeholder, a);
        });
        return feed;
    }

    /** The DL4J key a trainable placeholder's gradient belongs to for layer {@code l}. */
    String paramKey(String placeholder, int l) {
        return slots.get(placeholder).name().apply(l);
    }

    private SDVariable slot(SameDiff sd, String placeholder, boolean trainable, IntFunction<String> name,
                            long... shape) {
        if (slots.containsKey(placeholder)) {
            return sd.getVariable(placeholder);
        }
        slots.put(placeholder, new Slot(trainable, name));
        return sd.placeHolder(placeholder, DataType.FLOAT, shape);
    }

    /** The template layer's tensor or module name for layer {@code l}; names outside layers are unchanged. */
    static String forLayer(String name, int l) {
        return name.startsWith(TEMPLATE) ? LlamaTensors.layer(l) + name.substring(TEMPLATE.length()) : name;
    }
}
