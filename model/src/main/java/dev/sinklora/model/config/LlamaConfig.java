package dev.sinklora.model.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.io.ModelDirectory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * An HF LLaMA {@code config.json}, bound and validated once. Immutable; {@link #rawJson()} keeps
 * the original document so an exporter can write it back with only the fields it changes
 * ({@link #toJson()} spells {@code rope_scaling} from {@link #ropeScaling()}).
 */
public record LlamaConfig(
        int hiddenSize,
        int intermediateSize,
        int numAttentionHeads,
        int numKeyValueHeads,
        int numHiddenLayers,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,          // null: none (no llama3 frequencies, no position interpolation)
        int vocabSize,
        int maxPositionEmbeddings,
        boolean tieWordEmbeddings,
        int bosTokenId,
        int eosTokenId,
        String rawJson) {

    /** The file name of an HF model config. */
    public static final String FILE_NAME = "config.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    public LlamaConfig {
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_attention_heads", numAttentionHeads);
        positive("num_key_value_heads", numKeyValueHeads);
        positive("num_hidden_layers", numHiddenLayers);
        positive("vocab_size", vocabSize);
        positive("max_position_embeddings", maxPositionEmbeddings);
        if (hiddenSize % numAttentionHeads != 0) {
            throw new BadInputException("config: hidden_size " + hiddenSize
                    + " is not divisible by num_attention_heads " + numAttentionHeads);
        }
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new BadInputException("config: num_attention_heads " + numAttentionHeads
                    + " is not divisible by num_key_value_heads " + numKeyValueHeads);
        }
        if ((hiddenSize / numAttentionHeads) % 2 != 0) {
            throw new BadInputException("config: head dimension " + hiddenSize / numAttentionHeads
                    + " must be even for rotary embeddings");
        }
        if (!(rmsNormEps > 0)) {
            throw new BadInputException("config: rms_norm_eps must be > 0, got " + rmsNormEps);
        }
        if (!(ropeTheta > 0)) {
            throw new BadInputException("config: rope_theta must be > 0, got " + ropeTheta);
        }
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** Query heads per key/value head (1 without grouped-query attention). */
    public int kvGroups() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /** The linear position-interpolation factor: 1 without rope_scaling and for llama3 frequency scaling alone. */
    public double ropeFactor() {
        return ropeScaling == null ? 1.0 : ropeScaling.linearFactor();
    }

    /** Where the RoPE frequencies come from, for reports: {@code llama3} (rescaled per wavelength) or {@code default}. */
    public String ropeFrequencies() {
        return ropeScaling != null && ropeScaling.llama3() != null ? "llama3" : "default";
    }

    /** Reads {@code dir/config.json} (or the file itself when {@code path} is a file). */
    public static LlamaConfig load(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve("config.json") : path;
        try (InputStream in = Files.newInputStream(file)) {
            return parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), file.toString());
        } catch (NoSuchFileException e) {
            throw new BadInputException(file + ": no such file (expected an HF config.json)", e);
        }
    }

    /** Reads {@code config.json} of a model directory on any file system. */
    public static LlamaConfig load(ModelDirectory dir) throws IOException {
        if (!dir.hasFile(FILE_NAME)) {
            throw new BadInputException(dir.describe(FILE_NAME) + ": no such file (expected an HF config.json)");
        }
        return parse(new String(dir.readAll(FILE_NAME), java.nio.charset.StandardCharsets.UTF_8),
                dir.describe(FILE_NAME));
    }

    /** Parses config.json text; {@code source} names the file in error messages. */
    public static LlamaConfig parse(String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new BadInputException(source + ": not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new BadInputException(source + ": expected a JSON object");
        }
        try {
            String modelType = root.path("model_type").asText("llama");
            if (!modelType.equals("llama")) {
                throw new BadInputException("model_type '" + modelType + "' is not supported (only 'llama')");
            }
            String act = root.path("hidden_act").asText("silu");
            if (!act.equals("silu")) {
                throw new BadInputException("hidden_act '" + act + "' is not supported (only 'silu')");
            }
            int heads = requiredInt(root, "num_attention_heads");
            return new LlamaConfig(
                    requiredInt(root, "hidden_size"),
                    requiredInt(root, "intermediate_size"),
                    heads,
                    root.hasNonNull("num_key_value_heads") ? requiredInt(root, "num_key_value_heads") : heads,
                    requiredInt(root, "num_hidden_layers"),
                    root.path("rms_norm_eps").asDouble(1e-6),
                    root.path("rope_theta").asDouble(10000.0),
                    RopeScaling.parse(root.get("rope_scaling")),
                    requiredInt(root, "vocab_size"),
                    root.hasNonNull("max_position_embeddings") ? requiredInt(root, "max_position_embeddings") : 2048,
                    root.path("tie_word_embeddings").asBoolean(false),
                    root.path("bos_token_id").asInt(1),
                    root.path("eos_token_id").isInt() ? root.path("eos_token_id").asInt() : 2,
                    json);
        } catch (BadInputException e) {
            throw new BadInputException(source + ": " + e.getMessage(), e);
        }
    }

    /** A copy with a different rope_scaling (null removes it), reflected in {@link #toJson()}. */
    public LlamaConfig withRopeScaling(RopeScaling scaling) {
        return new LlamaConfig(hiddenSize, intermediateSize, numAttentionHeads, numKeyValueHeads,
                numHiddenLayers, rmsNormEps, ropeTheta, scaling, vocabSize, maxPositionEmbeddings,
                tieWordEmbeddings, bosTokenId, eosTokenId, rawJson);
    }

    /**
     * A copy that runs with linear position interpolation {@code factor} (1: none) on top of this config's
     * frequencies: a llama3 frequency scaling is kept, a linear factor replaced.
     */
    public LlamaConfig withRopeFactor(double factor) {
        RopeScaling.Llama3 llama3 = ropeScaling == null ? null : ropeScaling.llama3();
        return withRopeScaling(llama3 == null && factor == 1.0 ? null : new RopeScaling(factor, llama3));
    }

    /**
     * The config.json document: the original fields, with {@code rope_scaling} spelled from {@link #ropeScaling()}.
     *
     * @throws BadInputException if the rope scaling has no HF spelling (llama3 with linear interpolation on top)
     */
    public String toJson() {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(rawJson);
            if (ropeScaling == null) {
                root.putNull("rope_scaling");
            } else {
                root.set("rope_scaling", ropeScaling.toHfJson());
            }
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException("rawJson was validated at construction", e);
        }
    }

    private static int requiredInt(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            throw new BadInputException("missing required field '" + field + "'");
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber()) {
            throw new BadInputException("field '" + field + "' must be an integer, got " + n);
        }
        return n.asInt();
    }

    private static void positive(String field, int value) {
        if (value <= 0) {
            throw new BadInputException("config: " + field + " must be > 0, got " + value);
        }
    }
}
