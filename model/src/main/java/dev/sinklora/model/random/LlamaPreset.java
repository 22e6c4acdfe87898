package dev.sinklora.model.random;

import dev.sinklora.model.BadInputException;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Shapes of published LLaMA-family checkpoints (their config.json values), for random bases of a real size. */
public enum LlamaPreset {
    TINYLLAMA_1_1B("tinyllama-1.1b", 2048, 5632, 32, 4, 22, 32000, 2048, 10000.0),
    LLAMA2_7B("llama2-7b", 4096, 11008, 32, 32, 32, 32000, 4096, 10000.0),
    LLAMA2_13B("llama2-13b", 5120, 13824, 40, 40, 40, 32000, 4096, 10000.0),
    LLAMA3_8B("llama3-8b", 4096, 14336, 32, 8, 32, 128256, 8192, 500000.0);

    private final String cliName;
    public final int hidden;
    public final int intermediate;
    public final int heads;
    public final int kvHeads;
    public final int layers;
    public final int vocab;
    public final int maxPositions;
    public final double ropeTheta;

    LlamaPreset(String cliName, int hidden, int intermediate, int heads, int kvHeads, int layers, int vocab,
                int maxPositions, double ropeTheta) {
        this.cliName = cliName;
        this.hidden = hidden;
        this.intermediate = intermediate;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.layers = layers;
        this.vocab = vocab;
        this.maxPositions = maxPositions;
        this.ropeTheta = ropeTheta;
    }

    public String cliName() {
        return cliName;
    }

    public static LlamaPreset parse(String s) {
        for (LlamaPreset p : values()) {
            if (p.cliName.equals(s.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new BadInputException("unknown preset '" + s + "' (expected one of "
                + Arrays.stream(values()).map(LlamaPreset::cliName).collect(Collectors.joining(", ")) + ")");
    }
}
