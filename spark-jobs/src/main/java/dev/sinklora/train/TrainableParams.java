package dev.sinklora.train;

import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.llama.LlamaTensors;
import dev.sinklora.model.lora.AdapterTrainingInfo;
import dev.sinklora.model.lora.LoraAdapter;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.lora.LoraModule;
import dev.sinklora.model.lora.TrainableExtra;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The DL4J parameters of the training layer: LoRA A/B per adapted module, plus the RMSNorm weights
 * when norms are trainable. Maps DL4J parameter keys (no '_': DL4J splits gradient keys at it)
 * to HF module / tensor names and converts to and from {@link LoraAdapter}.
 */
public final class TrainableParams {

    /** One DL4J parameter. {@code hfName}: the module path (LoRA) or HF tensor name (norm). */
    public record Param(String key, String hfName, boolean loraA, boolean loraB, long[] shape) {
    }

    /** Key of the embedding matrix in the parameter table (DL4J: vertex "embed", parameter "W"). */
    public static final String EMBED_KEY = "embedW";

    private final List<Param> params;
    private final LlamaConfig config;

    public TrainableParams(LlamaConfig c, LoraConfig lora) {
        List<Param> ps = new ArrayList<>();
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            for (String proj : lora.targets()) {
                String module = LlamaTensors.projection(l, proj);
                long[] w = LlamaTensors.shape(c, module + ".weight");                      // [out, in]
                ps.add(new Param(loraKey(module, 'A'), module, true, false, new long[]{lora.r(), w[1]})); // [r, in]
                ps.add(new Param(loraKey(module, 'B'), module, false, true, new long[]{w[0], lora.r()})); // [out, r]
            }
        }
        if (lora.trainable().contains(TrainableExtra.EMBED)) {
            // trained in the DL4J embedding layer in front of the model layer, not in the model layer
            ps.add(new Param(EMBED_KEY, LlamaTensors.EMBED, false, false,
                    new long[]{c.vocabSize(), c.hiddenSize()}));                                  // [vocab, hidden]
        }
        if (lora.trainable().contains(TrainableExtra.NORM)) {
            for (String name : TrainableExtra.NORM.tensors(c)) {
                ps.add(new Param(normKey(name), name, false, false, new long[]{1, c.hiddenSize()})); // [1, hidden]
            }
        }
        this.params = List.copyOf(ps);
        this.config = c;
    }

    /** The parameters the model layer itself holds (all but the embedding). */
    public List<Param> layerParams() {
        return params.stream().filter(p -> !p.key().equals(EMBED_KEY)).toList();
    }

    public List<Param> params() {
        return params;
    }

    /** DL4J key of a LoRA matrix, e.g. {@code L0qA} for layer 0 q_proj's A. */
    public static String loraKey(String module, char ab) {
        return module.replace("model.layers.", "L").replace(".self_attn.", "").replace(".mlp.", "")
                .replace("_proj", "") + ab;
    }

    /** DL4J key of a norm weight, e.g. {@code L0inputlayernorm}, {@code modelnorm}. */
    public static String normKey(String hfName) {
        return hfName.replace("model.layers.", "L").replace(".weight", "").replace(".", "").replace("_", "");
    }

    /** The adapter these parameter values describe (arrays are copied). */
    public LoraAdapter toAdapter(Map<String, INDArray> table, LoraConfig lora, AdapterTrainingInfo info) {
        Map<String, INDArray> as = new LinkedHashMap<>();
        Map<String, LoraModule> modules = new LinkedHashMap<>();
        Map<String, INDArray> extras = new LinkedHashMap<>();
        for (Param p : params) {
            INDArray v = table.get(p.key()).dup();
            if (p.loraA()) {
                as.put(p.hfName(), v);
            } else if (p.loraB()) {
                modules.put(p.hfName(), new LoraModule(p.hfName(), as.get(p.hfName()), v));
            } else {
                extras.put(p.hfName(), v.reshape(LlamaTensors.shape(config, p.hfName())));
            }
        }
        return new LoraAdapter(lora, modules, extras, info, null);
    }

    /** Copies an adapter's values into the parameter table (initialisation or resume). */
    public void assign(LoraAdapter adapter, Map<String, INDArray> table) {
        for (Param p : params) {
            INDArray target = table.get(p.key());
            INDArray source;
            if (p.loraA()) {
                source = adapter.modules().get(p.hfName()).a();
            } else if (p.loraB()) {
                source = adapter.modules().get(p.hfName()).b();
            } else {
                source = adapter.extras().get(p.hfName()).reshape(p.shape());
            }
            target.assign(source);
        }
    }
}
