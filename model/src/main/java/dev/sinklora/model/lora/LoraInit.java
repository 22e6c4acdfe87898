package dev.sinklora.model.lora;

import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.llama.LlamaTensors;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A fresh adapter initialised as PEFT does ({@code init_lora_weights=True}): each A by
 * {@code kaiming_uniform_(a=sqrt(5))}, which for a {@code [r, in]} matrix is {@code U(-1/sqrt(in), 1/sqrt(in))};
 * each B zero, so the adapted model starts equal to the base. Fully trained extras start as copies of the base
 * tensors. Seeded: each module draws from its own stream derived from the seed and the module path, so a module's
 * initial A does not depend on which other modules are targeted.
 */
public final class LoraInit {

    private LoraInit() {
    }

    /** Supplies a base tensor by HF name (e.g. {@code Checkpoint::load}). */
    @FunctionalInterface
    public interface BaseTensors {
        INDArray load(String name) throws IOException;
    }

    /**
     * @param base        the base model's config (gives every projection's shape)
     * @param baseTensors the base tensors, read only for the extras {@code config} trains in full
     * @param info        how the adapter will be trained; may be null
     */
    public static LoraAdapter create(LlamaConfig base, LoraConfig config, long seed, BaseTensors baseTensors,
                                     AdapterTrainingInfo info) throws IOException {
        Map<String, LoraModule> modules = new LinkedHashMap<>();
        for (int l = 0; l < base.numHiddenLayers(); l++) {
            for (String proj : config.targets()) {
                String module = LlamaTensors.projection(l, proj);
                long[] w = LlamaTensors.shape(base, module + ".weight"); // [out, in]
                INDArray a = kaimingUniformA(config.r(), (int) w[1], streamSeed(seed, module)); // [r, in]
                INDArray b = Nd4j.zeros(DataType.FLOAT, w[0], config.r());                      // [out, r]
                modules.put(module, new LoraModule(module, a, b));
            }
        }
        Map<String, INDArray> extras = new LinkedHashMap<>();
        for (TrainableExtra e : config.trainable()) {
            for (String name : e.tensors(base)) {
                INDArray t = baseTensors.load(name);                     // trained in FP32 whatever the base's dtype
                extras.put(name, t.dataType() == DataType.FLOAT ? t.dup() : t.castTo(DataType.FLOAT));
            }
        }
        return new LoraAdapter(config, modules, extras, info, null);
    }

    /** {@code [r, in]} with entries uniform in {@code [-1/sqrt(in), 1/sqrt(in))}. */
    static INDArray kaimingUniformA(int r, int in, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double bound = 1.0 / Math.sqrt(in);
        float[] v = new float[Math.multiplyExact(r, in)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (bound * (2 * rnd.nextDouble() - 1));
        }
        return Nd4j.create(v, new long[]{r, in}, DataType.FLOAT);
    }

    /** A per-module seed: the module path's hash mixed into the run seed (SplittableRandom's mixer). */
    static long streamSeed(long seed, String module) {
        long z = seed + 0x9E3779B97F4A7C15L * (module.hashCode() + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
