package dev.sinklora.model.lora;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.config.LlamaConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A LoRA adapter in memory: its {@link LoraConfig}, the A/B pair of every adapted projection (by HF module path),
 * the base tensors it trained in full (by HF tensor name), and how it was trained ({@link AdapterTrainingInfo},
 * null when unknown, e.g. for an adapter trained elsewhere). Tensors are FP32 and are not copied: callers must not
 * modify them.
 */
public final class LoraAdapter {

    private final LoraConfig config;
    private final SortedMap<String, LoraModule> modules;
    private final SortedMap<String, INDArray> extras;
    private final AdapterTrainingInfo trainingInfo;
    private final String baseModelNameOrPath;

    /**
     * @param modules             by module path; each A must have {@code r} rows and each B {@code r} columns
     * @param extras              fully trained base tensors by HF name (may be empty)
     * @param trainingInfo        may be null
     * @param baseModelNameOrPath written to adapter_config.json; may be null
     */
    public LoraAdapter(LoraConfig config, Map<String, LoraModule> modules, Map<String, INDArray> extras,
                       AdapterTrainingInfo trainingInfo, String baseModelNameOrPath) {
        this.config = config;
        for (Map.Entry<String, LoraModule> e : modules.entrySet()) {
            LoraModule m = e.getValue();
            if (!m.module().equals(e.getKey())) {
                throw new IllegalArgumentException("module " + m.module() + " filed under " + e.getKey());
            }
            if (m.a().rank() != 2 || m.b().rank() != 2 || m.a().size(0) != config.r() || m.b().size(1) != config.r()) {
                throw new BadInputException("LoRA pair of " + e.getKey() + " has A " + shape(m.a()) + " and B "
                        + shape(m.b()) + "; expected A [" + config.r() + ", in] and B [out, " + config.r() + "]");
            }
        }
        this.modules = Collections.unmodifiableSortedMap(new TreeMap<>(modules));
        this.extras = Collections.unmodifiableSortedMap(new TreeMap<>(extras));
        this.trainingInfo = trainingInfo;
        this.baseModelNameOrPath = baseModelNameOrPath;
    }

    public LoraConfig config() {
        return config;
    }

    /** Scaling of the LoRA path, {@code alpha / r}. */
    public double scaling() {
        return config.scaling();
    }

    /** The LoRA pairs by module path, e.g. {@code model.layers.0.self_attn.q_proj}. */
    public SortedMap<String, LoraModule> modules() {
        return modules;
    }

    /** Fully trained base tensors by HF name, e.g. {@code model.embed_tokens.weight}. */
    public SortedMap<String, INDArray> extras() {
        return extras;
    }

    /** How the adapter was trained; null if unknown. */
    public AdapterTrainingInfo trainingInfo() {
        return trainingInfo;
    }

    /** The {@code base_model_name_or_path} of adapter_config.json; may be null. */
    public String baseModelNameOrPath() {
        return baseModelNameOrPath;
    }

    /** A copy with other training info (tensors shared). */
    public LoraAdapter withTrainingInfo(AdapterTrainingInfo info) {
        return new LoraAdapter(config, modules, extras, info, baseModelNameOrPath);
    }

    /**
     * Checks that the adapter fits a base model of config {@code base}.
     *
     * @param where what to call the adapter in messages
     * @throws BadInputException naming the first tensor that does not fit
     */
    public void checkCompatible(LlamaConfig base, String where) {
        Map<String, long[]> a = new LinkedHashMap<>();
        Map<String, long[]> b = new LinkedHashMap<>();
        for (LoraModule m : modules.values()) {
            a.put(m.module(), m.a().shape());
            b.put(m.module(), m.b().shape());
        }
        Map<String, long[]> x = new LinkedHashMap<>();
        extras.forEach((name, t) -> x.put(name, t.shape()));
        AdapterShapes.check(where, base, config, a, b, x);
    }

    private static String shape(INDArray a) {
        return java.util.Arrays.toString(a.shape());
    }
}
