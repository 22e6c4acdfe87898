package dev.sinklora.prep.sft;

import java.util.Locale;

/** What prep-sft does with an example longer than {@code --max-len} tokens (BOS and EOS included). */
public enum OverflowPolicy {
    /** Send it to {@code OUT/rejected/} (reason {@code too_long}); counts toward {@code --max-rejected-fraction}. */
    REJECT,
    /**
     * Keep its first {@code max-len} tokens (the target's end, EOS included, is cut); if no target
     * token is left it is rejected ({@code no_target_tokens}). Counted as {@code truncated}.
     */
    TRUNCATE,
    /** Leave it out; counted as {@code dropped} in the manifest, not written anywhere. */
    DROP;

    public static OverflowPolicy parse(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
