package dev.sinklora.model.attention;

import dev.sinklora.model.BadInputException;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The attention patterns of {@code shared/docs/sf-attn.md}, by their CLI names. */
public enum AttentionMode {
    /** Causal attention over the whole sequence; inference. */
    FULL("full"),
    /** LongLoRA S2-Attn as its roll-based code runs: the shifted heads' last group wraps around. */
    S2("s2"),
    /** S2 with segmentation and reassembly: the wrapped group is cut into its two real segments. */
    S2_REASSEMBLED("s2-reassembled"),
    /** SF-Attn: reassembly plus global sink tokens. SinkLoRA's training default. */
    SF("sf");

    private final String cliName;

    AttentionMode(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    public static AttentionMode parse(String s) {
        for (AttentionMode m : values()) {
            if (m.cliName.equals(s)) {
                return m;
            }
        }
        throw new BadInputException("unknown attention mode '" + s + "' (expected one of "
                + Arrays.stream(values()).map(AttentionMode::cliName).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public String toString() {
        return cliName;
    }
}
