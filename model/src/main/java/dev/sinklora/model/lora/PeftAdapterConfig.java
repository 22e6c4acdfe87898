package dev.sinklora.model.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.io.JsonFiles;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * PEFT's {@code adapter_config.json} for a LoRA adapter: the fields this project reads and the complete set of
 * fields it writes (those of PEFT's {@code LoraConfig} that affect a plain LoRA, with PEFT's defaults; keys
 * sorted and indented by 2 as PEFT's {@code save_pretrained} writes them). Options this project does not implement
 * (DoRA, rsLoRA, rank or alpha patterns, per-layer selection, biases, fan-in-fan-out layouts) are rejected when
 * read rather than silently ignored.
 *
 * @param modulesToSave PEFT module names trained in full (empty if none)
 */
public record PeftAdapterConfig(LoraConfig lora, List<String> modulesToSave, String baseModelNameOrPath) {

    public static final String FILE_NAME = "adapter_config.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Module names in the order written to {@code modules_to_save}. */
    private static final List<String> MODULE_ORDER =
            List.of("embed_tokens", "input_layernorm", "post_attention_layernorm", "norm", "lm_head");

    public PeftAdapterConfig {
        modulesToSave = List.copyOf(modulesToSave);
    }

    /** The config PEFT needs to load {@code adapter}: modules_to_save follows the tensors it trains in full. */
    public static PeftAdapterConfig of(LoraAdapter adapter) {
        List<String> modules = new ArrayList<>();
        for (String m : MODULE_ORDER) {
            if (adapter.extras().keySet().stream().anyMatch(n -> m.equals(PeftKeys.extraModule(n)))) {
                modules.add(m);
            }
        }
        return new PeftAdapterConfig(adapter.config(), modules, adapter.baseModelNameOrPath());
    }

    /**
     * Whether PEFT would wrap the module of HF tensor {@code hfName} as one to save. PEFT's {@code _set_trainable}
     * wraps every module whose name ends with an entry, as a plain string suffix: {@code norm} alone also wraps
     * each {@code input_layernorm} and {@code post_attention_layernorm}.
     */
    public boolean saves(String hfName) {
        String module = hfName.endsWith(".weight") ? hfName.substring(0, hfName.length() - ".weight".length()) : hfName;
        return modulesToSave.stream().anyMatch(module::endsWith);
    }

    /** The JSON document. */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("alpha_pattern");
        if (baseModelNameOrPath == null) {
            root.putNull("base_model_name_or_path");
        } else {
            root.put("base_model_name_or_path", baseModelNameOrPath);
        }
        root.put("bias", "none");
        root.put("fan_in_fan_out", false);
        root.put("inference_mode", true);
        root.put("init_lora_weights", true);
        root.putNull("layers_to_transform");
        if (lora.alpha() == Math.rint(lora.alpha()) && Math.abs(lora.alpha()) < 1e9) {
            root.put("lora_alpha", (long) lora.alpha());
        } else {
            root.put("lora_alpha", lora.alpha());
        }
        root.put("lora_dropout", lora.dropout());
        if (modulesToSave.isEmpty()) {
            root.putNull("modules_to_save");
        } else {
            ArrayNode m = root.putArray("modules_to_save");
            modulesToSave.forEach(m::add);
        }
        root.put("peft_type", "LORA");
        root.put("r", lora.r());
        root.putObject("rank_pattern");
        ArrayNode t = root.putArray("target_modules");
        lora.targets().forEach(t::add);
        root.put("task_type", "CAUSAL_LM");
        root.put("use_dora", false);
        root.put("use_rslora", false);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses an adapter_config.json; {@code source} names it in error messages. */
    public static PeftAdapterConfig parse(byte[] json, String source) {
        JsonNode root = JsonFiles.parseObject(json, source);
        try {
            String type = root.path("peft_type").asText("LORA");
            if (!type.equals("LORA")) {
                throw new BadInputException("peft_type '" + type + "' is not supported (only LORA)");
            }
            rejectUnless(root, "bias", "none", "bias terms are not supported");
            rejectIfTrue(root, "use_dora", "DoRA is not supported");
            rejectIfTrue(root, "use_rslora", "rsLoRA scaling (alpha / sqrt(r)) is not supported");
            rejectIfTrue(root, "fan_in_fan_out", "fan_in_fan_out layouts are not supported");
            rejectIfSet(root, "layers_to_transform", "layers_to_transform is not supported (adapt every layer)");
            rejectIfSet(root, "rank_pattern", "per-module rank_pattern is not supported");
            rejectIfSet(root, "alpha_pattern", "per-module alpha_pattern is not supported");
            JsonNode r = root.get("r");
            if (r == null || !r.isIntegralNumber()) {
                throw new BadInputException("'r' is missing or not an integer");
            }
            JsonNode alpha = root.get("lora_alpha");
            if (alpha == null || !alpha.isNumber()) {
                throw new BadInputException("'lora_alpha' is missing or not a number");
            }
            double dropout = root.path("lora_dropout").asDouble(0.0);
            JsonNode targets = root.get("target_modules");
            if (targets == null || !targets.isArray()) {
                throw new BadInputException("'target_modules' must be a list of projection names (any of "
                        + LoraConfig.ALL_TARGETS + "), got " + targets);
            }
            List<String> targetList = new ArrayList<>();
            targets.forEach(n -> targetList.add(n.asText()));
            List<String> modules = new ArrayList<>();
            JsonNode mts = root.get("modules_to_save");
            if (mts != null && !mts.isNull()) {
                if (!mts.isArray()) {
                    throw new BadInputException("'modules_to_save' must be a list or null");
                }
                for (JsonNode n : mts) {
                    if (!MODULE_ORDER.contains(n.asText())) {
                        throw new BadInputException("modules_to_save entry '" + n.asText()
                                + "' is not supported (expected any of " + MODULE_ORDER + ")");
                    }
                    modules.add(n.asText());
                }
            }
            Set<TrainableExtra> trainable = EnumSet.noneOf(TrainableExtra.class);
            for (TrainableExtra e : TrainableExtra.values()) {
                if (e.peftModules().stream().anyMatch(modules::contains)) {
                    trainable.add(e);
                }
            }
            LoraConfig lora = new LoraConfig(r.asInt(), alpha.asDouble(), dropout, targetList, trainable);
            JsonNode base = root.get("base_model_name_or_path");
            return new PeftAdapterConfig(lora, modules, base == null || base.isNull() ? null : base.asText());
        } catch (BadInputException e) {
            throw new BadInputException(source + ": " + e.getMessage(), e);
        }
    }

    private static void rejectUnless(JsonNode root, String field, String value, String why) {
        JsonNode n = root.get(field);
        if (n != null && !n.isNull() && !n.asText().equals(value)) {
            throw new BadInputException("'" + field + "' is " + n + ": " + why);
        }
    }

    private static void rejectIfTrue(JsonNode root, String field, String why) {
        if (root.path(field).asBoolean(false)) {
            throw new BadInputException("'" + field + "' is true: " + why);
        }
    }

    private static void rejectIfSet(JsonNode root, String field, String why) {
        JsonNode n = root.get(field);
        if (n != null && !n.isNull() && !(n.isContainerNode() && n.isEmpty())) {
            throw new BadInputException("'" + field + "' is " + n + ": " + why);
        }
    }
}
