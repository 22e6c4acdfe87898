package dev.sinklora.model.lora;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.llama.LlamaTensors;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Base tensors trained in full next to the LoRA matrices ("LoRA+", LongLoRA's {@code --trainable_params embed,norm}).
 * PEFT saves them as {@code modules_to_save}.
 */
public enum TrainableExtra {
    /** The token embedding {@code model.embed_tokens.weight}. */
    EMBED("embed", List.of("embed_tokens")),
    /** Every RMSNorm weight: both per layer and the final {@code model.norm.weight}. */
    NORM("norm", List.of("input_layernorm", "post_attention_layernorm", "norm"));

    private final String cliName;
    private final List<String> peftModules;

    TrainableExtra(String cliName, List<String> peftModules) {
        this.cliName = cliName;
        this.peftModules = peftModules;
    }

    /** The name used on the command line and in LongLoRA's {@code --trainable_params}. */
    public String cliName() {
        return cliName;
    }

    /** The module names this extra contributes to PEFT's {@code modules_to_save}. */
    public List<String> peftModules() {
        return peftModules;
    }

    /** The HF tensor names this extra trains in a model of config {@code c}, in checkpoint order. */
    public List<String> tensors(LlamaConfig c) {
        List<String> names = new ArrayList<>();
        if (this == EMBED) {
            names.add(LlamaTensors.EMBED);
            return names;
        }
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            names.add(LlamaTensors.layer(l) + "input_layernorm.weight");
            names.add(LlamaTensors.layer(l) + "post_attention_layernorm.weight");
        }
        names.add(LlamaTensors.FINAL_NORM);
        return names;
    }

    public static TrainableExtra parse(String s) {
        for (TrainableExtra e : values()) {
            if (e.cliName.equals(s)) {
                return e;
            }
        }
        throw new BadInputException("unknown trainable extra '" + s + "' (expected "
                + Arrays.stream(values()).map(TrainableExtra::cliName).collect(Collectors.joining(" or ")) + ")");
    }
}
