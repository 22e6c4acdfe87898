package dev.sinklora.model.lora;

import dev.sinklora.model.llama.LlamaTensors;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEFT's tensor names in {@code adapter_model.safetensors} for a LLaMA causal LM, e.g.
 * {@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight} ({@code [r, in]}) and
 * {@code ...lora_B.weight} ({@code [out, r]}): the PeftModel prefix {@code base_model.model.} before the HF
 * module path, with PEFT's adapter name ({@code default}) removed as {@code get_peft_model_state_dict} does.
 *
 * <p>Tensors trained in full ({@code modules_to_save}) are wrapped in memory as
 * {@code <module>.modules_to_save.default.weight}; {@code get_peft_model_state_dict} saves them under the wrapped
 * module's own path ({@code ModulesToSaveWrapper.adapter_state_dict} strips {@code modules_to_save.<adapter>.}), so
 * the file holds e.g. {@code base_model.model.model.embed_tokens.weight} and
 * {@code base_model.model.model.layers.0.input_layernorm.weight}; {@code set_peft_model_state_dict} maps them back
 * into the wrapper of every module whose name ends with a {@code modules_to_save} entry.
 */
public final class PeftKeys {

    private PeftKeys() {
    }

    /** The prefix PEFT's {@code PeftModelForCausalLM} puts before HF names. */
    public static final String PREFIX = "base_model.model.";

    private static final Pattern MODULE = Pattern.compile(
            "model\\.layers\\.(\\d+)\\.(self_attn|mlp)\\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)");

    /** PEFT module names of tensors that may be trained in full, by HF tensor-name pattern. */
    private static final Map<Pattern, String> EXTRA_MODULES = Map.of(
            Pattern.compile(Pattern.quote(LlamaTensors.EMBED)), "embed_tokens",
            Pattern.compile(Pattern.quote(LlamaTensors.LM_HEAD)), "lm_head",
            Pattern.compile(Pattern.quote(LlamaTensors.FINAL_NORM)), "norm",
            Pattern.compile("model\\.layers\\.\\d+\\.input_layernorm\\.weight"), "input_layernorm",
            Pattern.compile("model\\.layers\\.\\d+\\.post_attention_layernorm\\.weight"), "post_attention_layernorm");

    /** A LoRA module path split into layer and projection. */
    public record Module(int layer, String proj) {
    }

    /** {@code base_model.model.<module>.lora_A.weight}, the {@code [r, in]} down-projection. */
    public static String loraA(String module) {
        return PREFIX + module + ".lora_A.weight";
    }

    /** {@code base_model.model.<module>.lora_B.weight}, the {@code [out, r]} up-projection. */
    public static String loraB(String module) {
        return PREFIX + module + ".lora_B.weight";
    }

    /** The saved key of a tensor trained in full, e.g. {@code base_model.model.model.embed_tokens.weight}. */
    public static String extra(String hfName) {
        return PREFIX + hfName;
    }

    /** Parses {@code model.layers.N.self_attn.q_proj} (the right block for the projection), or null. */
    public static Module parseModule(String module) {
        Matcher m = MODULE.matcher(module);
        if (!m.matches()) {
            return null;
        }
        String proj = m.group(3);
        if (m.group(2).equals("mlp") != LlamaTensors.isMlp(proj)) {
            return null;
        }
        try {
            return new Module(Integer.parseInt(m.group(1)), proj);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The PEFT {@code modules_to_save} name of a fully trainable HF tensor, or null if it cannot be one. */
    public static String extraModule(String hfName) {
        for (Map.Entry<Pattern, String> e : EXTRA_MODULES.entrySet()) {
            if (e.getKey().matcher(hfName).matches()) {
                return e.getValue();
            }
        }
        return null;
    }
}
