package dev.sinklora.prep.corpus;

/** What happens to the final, partly filled row of each split's token stream. */
public enum LastRow {
    /** Keep it, padded to seq_len with the pad id; its {@code length} column says how many tokens are real. */
    PAD,
    /** Leave its tokens out (counted as {@code dropped_tokens} in the manifest). */
    DROP
}
