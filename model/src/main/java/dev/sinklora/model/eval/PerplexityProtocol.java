package dev.sinklora.model.eval;

import dev.sinklora.model.BadInputException;

/**
 * How long-context perplexity cuts a flat token stream into windows of the evaluation length; see
 * {@link PerplexityWindows} for the exact windows each protocol produces.
 */
public enum PerplexityProtocol {
    /**
     * LongLoRA's {@code eval.py}: a window of {@code N} tokens starts every {@code stride} tokens and
     * each window is scored in full, so a token may be scored by several windows.
     */
    LONGLORA("longlora"),
    /**
     * Hugging Face's strided perplexity: each window scores only the tokens the previous window did
     * not, so every token after the first is scored exactly once, with the most context available.
     */
    STRIDED("strided");

    private final String cliName;

    PerplexityProtocol(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    /** The protocol named {@code s}; {@code option} names the option in the error. */
    public static PerplexityProtocol parse(String s, String option) {
        for (PerplexityProtocol p : values()) {
            if (p.cliName.equals(s)) {
                return p;
            }
        }
        throw new BadInputException(option + ": unknown protocol '" + s + "' (expected longlora or strided)");
    }

    @Override
    public String toString() {
        return cliName;
    }
}
