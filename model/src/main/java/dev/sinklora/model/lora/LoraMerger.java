package dev.sinklora.model.lora;

import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.config.RopeScaling;
import dev.sinklora.model.llama.LlamaModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Folds a LoRA adapter into base weights: {@code W' = W + scaling * B A} per adapted projection, in FP32; fully
 * trained tensors replace the base's. Also decides the merged model's RoPE scaling. {@link MergeExporter} streams
 * the same math into a checkpoint; {@link #merged} does it in memory (e.g. for an eager decoder).
 */
public final class LoraMerger {

    private LoraMerger() {
    }

    /** Which RoPE factor a merged model runs with, and where it came from. */
    public record RopeChoice(double factor, Source source) {
        public enum Source {
            /** Given explicitly (e.g. {@code --rope-factor}). */
            OPTION,
            /** The adapter's {@code sinklora.json}. */
            ADAPTER,
            /** Nothing recorded: the base config's rope_scaling, unchanged. */
            BASE
        }
    }

    /**
     * In place: {@code w += scaling * b a}.
     *
     * @param w FP32 {@code [out, in]}, not a view
     * @param a FP32 {@code [r, in]}
     * @param b FP32 {@code [out, r]}
     */
    public static void addDelta(INDArray w, INDArray a, INDArray b, double scaling) {
        if (w.dataType() != DataType.FLOAT || a.dataType() != DataType.FLOAT || b.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("merge is computed in FP32; got " + w.dataType() + ", "
                    + a.dataType() + ", " + b.dataType());
        }
        if (w.isView()) {
            throw new IllegalArgumentException("cannot merge into a view");
        }
        Nd4j.gemm(b, a, w, false, false, scaling, 1.0);
    }

    /** The base weights with {@code adapter} folded in, and the merged config; base arrays are not modified. */
    public static LlamaModel merged(LlamaModel base, LoraAdapter adapter) {
        adapter.checkCompatible(base.config(), "adapter");
        Map<String, INDArray> weights = new LinkedHashMap<>(base.weights());
        for (LoraModule m : adapter.modules().values()) {
            String name = m.module() + ".weight";
            INDArray w = weights.get(name).castTo(DataType.FLOAT).dup('c'); // [out, in]
            addDelta(w, m.a(), m.b(), adapter.scaling());
            weights.put(name, w);
        }
        weights.putAll(adapter.extras());
        return new LlamaModel(mergedConfig(base.config(), adapter.trainingInfo(), null), weights);
    }

    /** The RoPE factor to run with: {@code override} if given, else the adapter's recorded one, else the base's. */
    public static RopeChoice ropeChoice(LlamaConfig base, AdapterTrainingInfo info, Double override) {
        if (override != null) {
            new RopeScaling(override); // validates
            return new RopeChoice(override, RopeChoice.Source.OPTION);
        }
        if (info != null) {
            return new RopeChoice(info.ropeFactor(), RopeChoice.Source.ADAPTER);
        }
        return new RopeChoice(base.ropeFactor(), RopeChoice.Source.BASE);
    }

    /**
     * The base config running with the linear factor of {@link #ropeChoice} on top of the base's frequencies (a
     * llama3 scaling is kept); unchanged when nothing is recorded or given. Its config.json spells
     * {@code {"type":"linear","factor":F}} for a factor other than 1 on a plain base and the base's llama3 scaling
     * for 1 on a llama3 base; llama3 with another factor has no HF spelling ({@link LlamaConfig#toJson()} refuses).
     */
    public static LlamaConfig mergedConfig(LlamaConfig base, AdapterTrainingInfo info, Double override) {
        RopeChoice choice = ropeChoice(base, info, override);
        if (choice.source() == RopeChoice.Source.BASE) {
            return base;
        }
        return base.withRopeFactor(choice.factor());
    }
}
