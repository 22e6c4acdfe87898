package dev.sinklora.model.random;

import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.LlamaTensors;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * LLaMA models with seeded Gaussian weights, built in memory (for tests and benchmarks). Projections
 * have standard deviation {@code gain / sqrt(in)}, embeddings 1, norms {@code 1 + 0.1 N(0,1)}.
 */
public final class RandomLlama {

    private RandomLlama() {
    }

    /** An HF-style config; {@code rope_theta} 10000, {@code rope_scaling} null. */
    public static LlamaConfig config(int hidden, int intermediate, int heads, int kvHeads, int layers, int vocab,
                                     int maxPositions, boolean tiedEmbeddings) {
        return config(hidden, intermediate, heads, kvHeads, layers, vocab, maxPositions, tiedEmbeddings, 10000.0);
    }

    /** An HF-style config with the given {@code rope_theta}; {@code rope_scaling} null. */
    public static LlamaConfig config(int hidden, int intermediate, int heads, int kvHeads, int layers, int vocab,
                                     int maxPositions, boolean tiedEmbeddings, double ropeTheta) {
        String json = String.format(Locale.ROOT, """
                {"model_type": "llama", "hidden_act": "silu", "hidden_size": %d, "intermediate_size": %d,
                 "num_attention_heads": %d, "num_key_value_heads": %d, "num_hidden_layers": %d,
                 "rms_norm_eps": 1e-6, "rope_theta": %s, "rope_scaling": null, "vocab_size": %d,
                 "max_position_embeddings": %d, "bos_token_id": 1, "eos_token_id": 2,
                 "tie_word_embeddings": %b, "torch_dtype": "float32"}
                """, hidden, intermediate, heads, kvHeads, layers, Double.toString(ropeTheta), vocab, maxPositions,
                tiedEmbeddings);
        return LlamaConfig.parse(json, "random-llama config");
    }

    /** A model with every tensor of {@code config} drawn from {@code seed}; {@code gain} scales projections. */
    public static LlamaModel create(LlamaConfig config, long seed, double gain) {
        return new LlamaModel(config, weights(config, seed, gain));
    }

    /** The weights {@link #create} uses, by HF name (mutable map, fresh arrays). */
    public static Map<String, INDArray> weights(LlamaConfig config, long seed, double gain) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, INDArray> w = new LinkedHashMap<>();
        for (String name : LlamaTensors.names(config)) {
            w.put(name, tensor(rnd, config, name, gain));
        }
        return w;
    }

    /**
     * One tensor of {@link #weights}, drawn from {@code rnd}: drawing every name of {@link LlamaTensors#names} in
     * order from {@code new SplittableRandom(seed)} gives exactly {@code weights(config, seed, gain)}.
     */
    public static INDArray tensor(SplittableRandom rnd, LlamaConfig config, String name, double gain) {
        long[] shape = LlamaTensors.shape(config, name);
        if (name.endsWith("norm.weight")) {
            return gaussian(rnd, shape, 1.0, 0.1);
        } else if (name.equals(LlamaTensors.EMBED)) {
            return gaussian(rnd, shape, 0.0, 1.0);
        }
        return gaussian(rnd, shape, 0.0, gain / Math.sqrt(shape[1]));
    }

    /**
     * FP32 array of {@code shape} with entries {@code mean + std * N(0, 1)}, drawn in C order. Filled through a
     * 1 Mi-element window, so no tensor-sized Java array exists (a 128k-vocab embedding has 5e8 entries).
     */
    public static INDArray gaussian(SplittableRandom rnd, long[] shape, double mean, double std) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, shape);
        INDArray flat = out.reshape(n);                                        // a view: out is C-contiguous
        float[] window = new float[(int) Math.min(n, 1 << 20)];
        for (long from = 0; from < n; from += window.length) {
            int len = (int) Math.min(window.length, n - from);
            for (int i = 0; i < len; i++) {
                window[i] = (float) (mean + std * gaussian(rnd));
            }
            try (INDArray chunk = Nd4j.createFromArray(len == window.length ? window : Arrays.copyOf(window, len))) {
                flat.get(NDArrayIndex.interval(from, from + len)).assign(chunk);
            }
        }
        return out;
    }

    /** A standard normal sample (Box-Muller; SplittableRandom has no nextGaussian on Java 17). */
    static double gaussian(SplittableRandom rnd) {
        double u = 1.0 - rnd.nextDouble();
        double v = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
