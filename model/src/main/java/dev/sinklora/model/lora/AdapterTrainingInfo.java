package dev.sinklora.model.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.config.RopeScaling;

import java.io.IOException;

/**
 * How an adapter was trained, as far as using it correctly depends on it; stored as {@code sinklora.json} next to
 * {@code adapter_config.json} (PEFT ignores files it does not know). The RoPE factor matters most: a merged or
 * unmerged model must run with the position interpolation the adapter was trained under.
 *
 * @param ropeFactor linear RoPE interpolation factor used in training (1 = none)
 * @param attention  the training attention pattern, or null if unknown
 * @param seqLen     the training sequence length, or null if unknown
 */
public record AdapterTrainingInfo(double ropeFactor, AttentionPattern attention, Integer seqLen) {

    public static final String FILE_NAME = "sinklora.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    public AdapterTrainingInfo {
        new RopeScaling(ropeFactor); // validates
        if (seqLen != null && seqLen <= 0) {
            throw new BadInputException("seq_len must be > 0, got " + seqLen);
        }
    }

    /** The HF {@code rope_scaling} to run the adapted model with; null when the factor is 1. */
    public RopeScaling ropeScaling() {
        return ropeFactor == 1.0 ? null : new RopeScaling(ropeFactor);
    }

    /** The {@code sinklora.json} document. */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", "sinklora-adapter/1");
        RopeScaling rs = ropeScaling();
        if (rs == null) {
            root.putNull("rope_scaling");
        } else {
            root.set("rope_scaling", rs.toHfJson());
        }
        if (attention != null) {
            ObjectNode a = root.putObject("attention");
            a.put("mode", attention.mode().cliName());
            a.put("group_size", attention.groupSize());
            a.put("sink_tokens", attention.sinkTokens());
        }
        if (seqLen != null) {
            root.put("seq_len", seqLen);
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses a {@code sinklora.json} document; {@code source} names it in error messages. */
    public static AdapterTrainingInfo parse(byte[] json, String source) {
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
            RopeScaling rs = RopeScaling.parse(root.get("rope_scaling"));
            if (rs != null && rs.llama3() != null) {
                throw new BadInputException("rope_scaling type 'llama3' does not belong here: " + FILE_NAME
                        + " records the linear position interpolation the adapter was trained with");
            }
            double factor = rs == null ? 1.0 : rs.linearFactor();
            AttentionPattern pattern = null;
            JsonNode a = root.get("attention");
            if (a != null && !a.isNull()) {
                AttentionMode mode = AttentionMode.parse(a.path("mode").asText(""));
                pattern = mode == AttentionMode.FULL ? AttentionPattern.FULL
                        : new AttentionPattern(mode, a.path("group_size").asInt(0), a.path("sink_tokens").asInt(0));
            }
            JsonNode n = root.get("seq_len");
            Integer seqLen = n == null || n.isNull() ? null : n.asInt();
            return new AdapterTrainingInfo(factor, pattern, seqLen);
        } catch (BadInputException e) {
            throw new BadInputException(source + ": " + e.getMessage(), e);
        }
    }
}
