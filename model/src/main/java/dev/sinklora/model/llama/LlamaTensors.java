package dev.sinklora.model.llama;

import dev.sinklora.model.config.LlamaConfig;

import java.util.ArrayList;
import java.util.List;

/** HF tensor names of a LLaMA checkpoint and the shape each must have. */
public final class LlamaTensors {

    private LlamaTensors() {
    }

    public static final String EMBED = "model.embed_tokens.weight";   // [vocab, hidden]
    public static final String FINAL_NORM = "model.norm.weight";      // [hidden]
    public static final String LM_HEAD = "lm_head.weight";            // [vocab, hidden]; absent when tied

    /** {@code model.layers.L.} */
    public static String layer(int l) {
        return "model.layers." + l + ".";
    }

    /** The module path of a projection, e.g. {@code model.layers.0.self_attn.q_proj}. */
    public static String projection(int l, String proj) {
        return layer(l) + (isMlp(proj) ? "mlp." : "self_attn.") + proj;
    }

    public static boolean isMlp(String proj) {
        return proj.equals("gate_proj") || proj.equals("up_proj") || proj.equals("down_proj");
    }

    public static final List<String> ATTENTION_PROJECTIONS = List.of("q_proj", "k_proj", "v_proj", "o_proj");
    public static final List<String> MLP_PROJECTIONS = List.of("gate_proj", "up_proj", "down_proj");

    /** Every tensor the model needs, in a stable order. */
    public static List<String> names(LlamaConfig c) {
        List<String> names = new ArrayList<>();
        names.add(EMBED);
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            names.add(layer(l) + "input_layernorm.weight");
            for (String p : ATTENTION_PROJECTIONS) {
                names.add(projection(l, p) + ".weight");
            }
            names.add(layer(l) + "post_attention_layernorm.weight");
            for (String p : MLP_PROJECTIONS) {
                names.add(projection(l, p) + ".weight");
            }
        }
        names.add(FINAL_NORM);
        if (!c.tieWordEmbeddings()) {
            names.add(LM_HEAD);
        }
        return names;
    }

    /** The shape a tensor must have, as {@code [out, in]} for projections (HF layout). */
    public static long[] shape(LlamaConfig c, String name) {
        long hidden = c.hiddenSize();
        long qDim = (long) c.numAttentionHeads() * c.headDim();
        long kvDim = (long) c.numKeyValueHeads() * c.headDim();
        long inter = c.intermediateSize();
        if (name.equals(EMBED) || name.equals(LM_HEAD)) {
            return new long[]{c.vocabSize(), hidden};
        }
        if (name.endsWith("norm.weight")) {
            return new long[]{hidden};
        }
        String proj = name.substring(name.lastIndexOf('.', name.length() - ".weight".length() - 1) + 1,
                name.length() - ".weight".length());
        return switch (proj) {
            case "q_proj" -> new long[]{qDim, hidden};
            case "k_proj", "v_proj" -> new long[]{kvDim, hidden};
            case "o_proj" -> new long[]{hidden, qDim};
            case "gate_proj", "up_proj" -> new long[]{inter, hidden};
            case "down_proj" -> new long[]{hidden, inter};
            default -> throw new IllegalArgumentException("not a LLaMA tensor: " + name);
        };
    }
}
