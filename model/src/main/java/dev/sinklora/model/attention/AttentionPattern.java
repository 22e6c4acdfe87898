package dev.sinklora.model.attention;

import dev.sinklora.model.BadInputException;

/**
 * One description of an attention pattern: mode, group size {@code G} and sink count {@code S}.
 * {@code full} has neither (G and S are 0). Validated at construction.
 */
public record AttentionPattern(AttentionMode mode, int groupSize, int sinkTokens) {

    /** SinkLoRA's default number of global sink tokens. */
    public static final int DEFAULT_SINKS = 4;

    public static final AttentionPattern FULL = new AttentionPattern(AttentionMode.FULL, 0, 0);

    public AttentionPattern {
        if (mode == null) {
            throw new BadInputException("attention mode is required");
        }
        if (mode == AttentionMode.FULL) {
            if (groupSize != 0 || sinkTokens != 0) {
                throw new BadInputException("full attention takes no group size or sink tokens (got group "
                        + groupSize + ", sinks " + sinkTokens + ")");
            }
        } else {
            if (groupSize <= 0) {
                throw new BadInputException("group size must be > 0, got " + groupSize);
            }
            if (sinkTokens < 0) {
                throw new BadInputException("sink tokens must be >= 0, got " + sinkTokens);
            }
        }
    }

    /**
     * The pattern for a sequence of {@code n} tokens with LongLoRA / SinkLoRA defaults for what is
     * not given: {@code G = n/4} (at least 1), {@code S = 4} for {@code sf} and 0 otherwise.
     */
    public static AttentionPattern of(AttentionMode mode, int n, Integer groupSize, Integer sinkTokens) {
        if (mode == AttentionMode.FULL) {
            if (groupSize != null || sinkTokens != null) {
                throw new BadInputException("--group-size and --sink-tokens do not apply to full attention");
            }
            return FULL;
        }
        int g = groupSize != null ? groupSize : Math.max(1, n / 4);
        int s = sinkTokens != null ? sinkTokens : (mode == AttentionMode.SF ? DEFAULT_SINKS : 0);
        return new AttentionPattern(mode, g, s);
    }

    /** Whether the heads {@code h >= H/2} use a shifted window. */
    public boolean shifted() {
        return mode != AttentionMode.FULL;
    }

    /** Whether the shifted window is cut at the sequence ends (reassembly) instead of wrapping. */
    public boolean reassembled() {
        return mode == AttentionMode.S2_REASSEMBLED || mode == AttentionMode.SF;
    }

    @Override
    public String toString() {
        return mode == AttentionMode.FULL ? "full" : mode + "(G=" + groupSize + ",S=" + sinkTokens + ")";
    }
}
