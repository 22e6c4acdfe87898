package dev.sinklora.ablation;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.attention.AttentionPattern;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The training attention of one ablation arm, by its {@code --modes} name; the paper's ablation rows. Only this
 * differs between arms. {@code s2-sinks} is the paper's "S2 + global tokens" ({@code --attention s2 --sink-tokens 4}).
 */
public enum AblationMode {
    FULL("full", AttentionMode.FULL, null),
    S2("s2", AttentionMode.S2, null),
    S2_SINKS("s2-sinks", AttentionMode.S2, AttentionPattern.DEFAULT_SINKS),
    S2_REASSEMBLED("s2-reassembled", AttentionMode.S2_REASSEMBLED, null),
    SF("sf", AttentionMode.SF, null);

    private final String cliName;
    private final AttentionMode attention;
    private final Integer sinkTokens;

    AblationMode(String cliName, AttentionMode attention, Integer sinkTokens) {
        this.cliName = cliName;
        this.attention = attention;
        this.sinkTokens = sinkTokens;
    }

    public String cliName() {
        return cliName;
    }

    /** The train attention mode. */
    public AttentionMode attention() {
        return attention;
    }

    /** Sink tokens to train with; null: the mode's default (4 for sf, 0 otherwise). */
    public Integer sinkTokens() {
        return sinkTokens;
    }

    /** The training pattern at {@code n} tokens (train's defaults: G = n/4). */
    public AttentionPattern pattern(int n) {
        return AttentionPattern.of(attention, n, null, sinkTokens);
    }

    /** @throws BadInputException naming --modes for an unknown name */
    public static AblationMode parse(String name) {
        for (AblationMode m : values()) {
            if (m.cliName.equals(name.trim())) {
                return m;
            }
        }
        throw new BadInputException("--modes: unknown mode '" + name + "' (expected "
                + Arrays.stream(values()).map(AblationMode::cliName).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public String toString() {
        return cliName;
    }
}
