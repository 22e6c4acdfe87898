package dev.sinklora.model.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.model.BadInputException;

/**
 * How RoPE is scaled, validated at construction. The one reader of HF's {@code rope_scaling} object, for
 * {@code config.json} and {@code sinklora.json} alike ({@link #parse}). Two independent parts:
 * <ul>
 *   <li>{@code linearFactor}: linear position interpolation (LongLoRA / SinkLoRA's PI, HF type {@code linear}):
 *       positions are divided by it; 1 = none;</li>
 *   <li>{@code llama3}: LLaMA-3.1/3.2's wavelength-dependent rescaling of the inverse frequencies (HF type
 *       {@code llama3}), or null.</li>
 * </ul>
 * A config.json spells one of the two; {@code --rope-factor} puts linear interpolation on top of llama3
 * frequencies, which HF's {@code rope_scaling} cannot spell ({@link #toHfJson} refuses it).
 *
 * @param linearFactor position-interpolation factor, finite and {@code > 0}
 * @param llama3       llama3 frequency scaling, or null
 */
public record RopeScaling(double linearFactor, Llama3 llama3) {

    /**
     * HF's {@code llama3} parameters. With {@code wavelen = 2 pi / inv_freq}: wavelengths below
     * {@code original / highFreqFactor} keep their frequency, those above {@code original / lowFreqFactor} are
     * divided by {@code factor}, those between are interpolated smoothly (see {@code llama.Rope}).
     *
     * @param factor                        frequency divisor of the long wavelengths, finite and {@code > 0}
     * @param lowFreqFactor                 finite, {@code > 0}
     * @param highFreqFactor                finite, {@code > lowFreqFactor}
     * @param originalMaxPositionEmbeddings the pre-training context ({@code > 0})
     */
    public record Llama3(double factor, double lowFreqFactor, double highFreqFactor,
                         int originalMaxPositionEmbeddings) {
        public Llama3 {
            positive("factor", factor);
            positive("low_freq_factor", lowFreqFactor);
            positive("high_freq_factor", highFreqFactor);
            if (!(highFreqFactor > lowFreqFactor)) {
                throw new BadInputException("rope_scaling.high_freq_factor (" + highFreqFactor
                        + ") must be greater than low_freq_factor (" + lowFreqFactor + ")");
            }
            if (originalMaxPositionEmbeddings <= 0) {
                throw new BadInputException("rope_scaling.original_max_position_embeddings must be > 0, got "
                        + originalMaxPositionEmbeddings);
            }
        }
    }

    public RopeScaling {
        positive("factor", linearFactor);
    }

    /** Linear position interpolation by {@code linearFactor} alone. */
    public RopeScaling(double linearFactor) {
        this(linearFactor, null);
    }

    /** HF's type name of what a config.json would say: {@code llama3} or {@code linear}. */
    public String type() {
        return llama3 != null ? "llama3" : "linear";
    }

    /**
     * Parses an HF {@code rope_scaling} value. The type is {@code rope_type} or, in older files, {@code type} (both
     * present: they must agree); {@code default} means no scaling.
     *
     * @param node the value of {@code rope_scaling}, or null when the key is absent
     * @return the scaling, or null for none (absent, JSON null, type {@code default})
     * @throws BadInputException naming the offending field (callers prefix the file name)
     */
    public static RopeScaling parse(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new BadInputException("rope_scaling must be an object or null, got " + node);
        }
        String type = type(node);
        return switch (type) {
            case "default" -> null;
            case "linear" -> new RopeScaling(number(node, "factor"));
            case "llama3" -> new RopeScaling(1.0, new Llama3(number(node, "factor"), number(node, "low_freq_factor"),
                    number(node, "high_freq_factor"), positiveInt(node, "original_max_position_embeddings")));
            default -> throw new BadInputException("rope_scaling type '" + type
                    + "' is not supported (only 'linear' position interpolation and 'llama3'; 'default' is none)");
        };
    }

    /**
     * The HF {@code rope_scaling} object: {@code {"type","rope_type":"linear","factor"}} or llama3's five keys.
     *
     * @throws BadInputException for llama3 frequencies with linear interpolation on top, which HF cannot express
     */
    public ObjectNode toHfJson() {
        ObjectNode rs = JsonNodeFactory.instance.objectNode();
        if (llama3 == null) {
            rs.put("type", "linear");
            rs.put("rope_type", "linear");
            rs.put("factor", linearFactor);
            return rs;
        }
        if (linearFactor != 1.0) {
            throw new BadInputException("rope_scaling: llama3 frequency scaling with linear position interpolation x"
                    + linearFactor + " on top has no Hugging Face config.json spelling");
        }
        rs.put("rope_type", "llama3");
        rs.put("factor", llama3.factor());
        rs.put("low_freq_factor", llama3.lowFreqFactor());
        rs.put("high_freq_factor", llama3.highFreqFactor());
        rs.put("original_max_position_embeddings", llama3.originalMaxPositionEmbeddings());
        return rs;
    }

    private static String type(JsonNode node) {
        String ropeType = typeField(node, "rope_type");
        String type = typeField(node, "type");
        if (ropeType != null && type != null && !ropeType.equals(type)) {
            throw new BadInputException("rope_scaling.rope_type '" + ropeType + "' and rope_scaling.type '" + type
                    + "' disagree");
        }
        if (ropeType == null && type == null) {
            throw new BadInputException("rope_scaling has no 'rope_type' (or 'type') field");
        }
        return ropeType != null ? ropeType : type;
    }

    private static String typeField(JsonNode node, String field) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new BadInputException("rope_scaling." + field + " must be a string, got " + n);
        }
        return n.asText();
    }

    private static double number(JsonNode node, String field) {
        JsonNode n = node.get(field);
        if (n == null || !n.isNumber()) {
            throw new BadInputException("rope_scaling." + field + " is missing or not a number"
                    + (n == null ? "" : ", got " + n));
        }
        return n.asDouble();
    }

    private static int positiveInt(JsonNode node, String field) {
        JsonNode n = node.get(field);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() <= 0) {
            throw new BadInputException("rope_scaling." + field + " is missing or not a positive integer"
                    + (n == null ? "" : ", got " + n));
        }
        return n.asInt();
    }

    private static void positive(String field, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new BadInputException("rope_scaling." + field + " must be a positive number, got " + value);
        }
    }
}
