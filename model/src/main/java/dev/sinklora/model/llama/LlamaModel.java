package dev.sinklora.model.llama;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.io.LocalModelDirectory;
import dev.sinklora.model.io.ModelDirectory;
import dev.sinklora.model.io.safetensors.Checkpoint;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;


import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A LLaMA model in memory: its config and its (frozen) weights as FP32 arrays, validated by name
 * and shape against the config. Runs the forward pass of {@link LlamaGraph} with the weights as
 * constants; a {@link Projection} may wrap the linear layers (LoRA).
 */
public final class LlamaModel {

    private final LlamaConfig config;
    private final Map<String, INDArray> weights;

    public LlamaModel(LlamaConfig config, Map<String, INDArray> weights) {
        this.config = config;
        for (String name : LlamaTensors.names(config)) {
            INDArray w = weights.get(name);
            if (w == null) {
                throw new BadInputException("checkpoint is missing tensor '" + name + "'");
            }
            long[] want = LlamaTensors.shape(config, name);
            if (!Arrays.equals(want, w.shape())) {
                throw new BadInputException("tensor '" + name + "' has shape " + Arrays.toString(w.shape())
                        + ", config.json implies " + Arrays.toString(want));
            }
        }
        this.weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    }

    /** Loads an HF checkpoint directory: config.json + model.safetensors (or a sharded index). */
    public static LlamaModel load(Path dir) throws IOException {
        return load(new LocalModelDirectory(dir));
    }

    /** As {@link #load(Path)}, for a directory on any file system. */
    public static LlamaModel load(ModelDirectory dir) throws IOException {
        if (!dir.isDirectory()) {
            throw new BadInputException(dir.describe() + ": not a directory (expected an HF model directory)");
        }
        LlamaConfig config = LlamaConfig.load(dir);
        Map<String, INDArray> weights = new LinkedHashMap<>();
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            try {
                LlamaTensors.checkCheckpoint(config, ckpt.names(), name -> ckpt.info(name).shape());
            } catch (BadInputException e) {
                throw new BadInputException(dir.describe() + ": " + e.getMessage(), e);
            }
            for (String name : LlamaTensors.names(config)) {
                weights.put(name, ckpt.load(name));
            }
        }
        try {
            return new LlamaModel(config, weights);
        } catch (BadInputException e) {
            throw new BadInputException(dir.describe() + ": " + e.getMessage(), e);
        }
    }

    public LlamaConfig config() {
        return config;
    }

    /** The frozen weights by HF name (read-only map; do not modify the arrays). */
    public Map<String, INDArray> weights() {
        return weights;
    }

    /** A {@link WeightSource} that serves this model's weights as SameDiff constants. */
    public WeightSource constants() {
        return (sd, name) -> {
            INDArray w = weights.get(name);
            if (w == null) {
                throw new IllegalArgumentException("no weight " + name);
            }
            return sd.constant(name, w);
        };
    }

    /**
     * Logits for each sequence of {@code tokens} (all of length N), {@code [B*N, vocab]}.
     * RoPE uses the config's rope_scaling factor.
     */
    public INDArray logits(int[][] tokens, AttentionPattern pattern, Projection projection) {
        int batch = tokens.length;
        int n = tokens[0].length;
        int[] flat = new int[batch * n];
        for (int b = 0; b < batch; b++) {
            if (tokens[b].length != n) {
                throw new BadInputException("all sequences of a batch must have the same length");
            }
            validateTokens(tokens[b]);
            System.arraycopy(tokens[b], 0, flat, b * n, n);
        }
        SameDiff sd = SameDiff.create();
        SDVariable ids = sd.constant("ids", Nd4j.createFromArray(flat).castTo(DataType.INT));
        LlamaGraph.Outputs out = LlamaGraph.build(sd, config, constants(), projection, ids,
                batch, n, pattern, config.ropeFactor());
        return out.logits().eval();
    }

    /** Rejects ids outside {@code [0, vocab_size)}, naming the first bad position. */
    public void validateTokens(int[] tokens) {
        validateTokens(tokens, tokens.length, config.vocabSize());
    }

    /**
     * Rejects ids among the first {@code n} of {@code tokens} outside {@code [0, vocabSize)}, naming the first bad
     * position: the embedding lookup is a native gather that does not check its indices (an id past the table
     * crashes the JVM), so every id from outside is checked with this before any native op sees it.
     */
    public static void validateTokens(int[] tokens, int n, int vocabSize) {
        for (int i = 0; i < n; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocabSize) {
                throw new BadInputException("token id " + tokens[i] + " at position " + i
                        + " is outside the vocabulary [0, " + vocabSize + ")");
            }
        }
    }
}
