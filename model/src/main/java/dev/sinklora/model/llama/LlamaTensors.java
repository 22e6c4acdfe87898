package dev.sinklora.model.llama;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.config.LlamaConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    private static final Pattern LAYER_TENSOR = Pattern.compile("model\\.layers\\.(\\d+)\\..*");

    /** Tensors some HF checkpoints carry that the model recomputes (old LLaMA exports' RoPE tables). */
    private static boolean recomputed(String name) {
        return name.endsWith(".rotary_emb.inv_freq");
    }

    /**
     * Checks a checkpoint's tensor table against its config before anything is loaded or allocated: the layer
     * count first (so a config claiming a billion layers fails at once), then every tensor the config implies
     * (present, with the implied shape), then the tensors the config does not account for, which would otherwise
     * be ignored silently (e.g. {@code num_hidden_layers: 1} on a 2-layer checkpoint).
     *
     * @param present the checkpoint's tensor names
     * @param shapeOf a present tensor's shape
     * @throws BadInputException naming the tensor(s) and the config field
     */
    public static void checkCheckpoint(LlamaConfig c, Set<String> present, Function<String, long[]> shapeOf) {
        int layers = 0;
        for (String name : present) {
            Matcher m = LAYER_TENSOR.matcher(name);
            if (m.matches() && m.group(1).length() < 9) {
                layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
            }
        }
        if (c.numHiddenLayers() > layers) {
            throw new BadInputException("config.json has num_hidden_layers " + c.numHiddenLayers()
                    + " but the checkpoint holds " + (layers == 0 ? "no layers" : "layers 0.." + (layers - 1)));
        }
        List<String> expected = names(c);
        for (String name : expected) {
            if (!present.contains(name)) {
                throw new BadInputException("checkpoint is missing tensor '" + name + "'");
            }
            long[] want = shape(c, name);
            long[] got = shapeOf.apply(name);
            if (!Arrays.equals(want, got)) {
                throw new BadInputException("tensor '" + name + "' has shape " + Arrays.toString(got)
                        + ", config.json implies " + Arrays.toString(want));
            }
        }
        Set<String> known = new HashSet<>(expected);
        TreeSet<String> unused = new TreeSet<>();
        for (String name : present) {
            if (!known.contains(name) && !recomputed(name)) {
                unused.add(name);
            }
        }
        if (!unused.isEmpty()) {
            String why = layers > c.numHiddenLayers()
                    ? " (config.json has num_hidden_layers " + c.numHiddenLayers() + ", the checkpoint " + layers + " layers)"
                    : unused.contains(LM_HEAD) && c.tieWordEmbeddings()
                    ? " (config.json ties lm_head to the embedding: tie_word_embeddings is true)" : "";
            List<String> shown = unused.stream().limit(4).toList();
            throw new BadInputException("checkpoint holds " + unused.size() + " tensor(s) config.json does not account for: "
                    + String.join(", ", shown) + (unused.size() > shown.size() ? ", ..." : "") + why);
        }
    }
}
