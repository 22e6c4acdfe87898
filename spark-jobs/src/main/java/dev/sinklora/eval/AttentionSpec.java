package dev.sinklora.eval;

import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.attention.AttentionPattern;

import java.io.Serializable;

/**
 * The attention options of an evaluation as given on the command line (mode, and group size / sinks if given),
 * small enough to ship to tasks; {@link #at} turns them into the pattern for a sequence length with the usual
 * defaults ({@code G = N/4}, 4 sinks for {@code sf}).
 */
public record AttentionSpec(String mode, Integer groupSize, Integer sinkTokens) implements Serializable {

    public static final AttentionSpec FULL = new AttentionSpec("full", null, null);

    /** Validates the options now (on the driver), so bad ones fail before any task runs. */
    public AttentionSpec {
        AttentionPattern.of(AttentionMode.parse(mode), 64, groupSize, sinkTokens);
    }

    /** Whether this is plain causal attention at every length (what inference and the KV-cache decoder run). */
    public boolean full() {
        return AttentionMode.parse(mode) == AttentionMode.FULL;
    }

    public AttentionPattern at(int n) {
        return AttentionPattern.of(AttentionMode.parse(mode), n, groupSize, sinkTokens);
    }
}
