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
 * A LLaMA model in memory: its config and its (frozen) weights, validated by name and shape against
 * the config. Weights are FP32 arrays, or, for a model loaded with {@link #loadStored}, kept in the
 * checkpoint's F16/BF16 precision and widened to FP32 where they are used ({@link #fp32}). Runs the
 * forward pass of {@link LlamaGraph} with the weights as constants; a {@link Projection} may wrap the
 * linear layers (LoRA).
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
            if (w.dataType() != DataType.FLOAT && w.dataType() != DataType.HALF && w.dataType() != DataType.BFLOAT16) {
                throw new BadInputException("tensor '" + name + "' has dtype " + w.dataType()
                        + "; expected FLOAT, HALF or BFLOAT16");
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
        return load(dir, false);
    }

    /**
     * As {@link #load(ModelDirectory)}, but F16/BF16 tensors stay F16/BF16 in memory (half the resident size of
     * FP32); {@link #fp32} and {@link #constants} widen them where they are used.
     */
    public static LlamaModel loadStored(ModelDirectory dir) throws IOException {
        return load(dir, true);
    }

    private static LlamaModel load(ModelDirectory dir, boolean storedDtype) throws IOException {
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
                weights.put(name, storedDtype ? ckpt.loadStored(name) : ckpt.load(name));
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

    /**
     * The frozen weights by HF name, in their in-memory dtype (FP32, or F16/BF16 for {@link #loadStored});
     * read-only map; do not modify the arrays.
     */
    public Map<String, INDArray> weights() {
        return weights;
    }

    /**
     * Weight {@code name} as FP32: the stored array itself when it is FP32 (do not modify or close it), else a
     * new widened copy (exact) that the caller owns.
     */
    public INDArray fp32(String name) {
        INDArray w = weights.get(name);
        if (w == null) {
            throw new IllegalArgumentException("no weight " + name);
        }
        return w.dataType() == DataType.FLOAT ? w : w.castTo(DataType.FLOAT);
    }

    /** This model with every weight FP32 (itself when it already is). */
    public LlamaModel widened() {
        if (weights.values().stream().allMatch(w -> w.dataType() == DataType.FLOAT)) {
            return this;
        }
        Map<String, INDArray> wide = new LinkedHashMap<>();
        weights.keySet().forEach(name -> wide.put(name, fp32(name)));
        return new LlamaModel(config, wide);
    }

    /** Bytes the weights occupy in memory. */
    public long residentBytes() {
        return weights.values().stream().mapToLong(w -> w.length() * w.dataType().width()).sum();
    }

    /** A {@link WeightSource} that serves this model's weights as FP32 SameDiff constants. */
    public WeightSource constants() {
        return (sd, name) -> sd.constant(name, fp32(name));
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
