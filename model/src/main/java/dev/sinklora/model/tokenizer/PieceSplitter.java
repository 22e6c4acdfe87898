package dev.sinklora.model.tokenizer;

/**
 * Where a long text may be cut into pieces that tokenize independently.
 *
 * <p>HF tokenizers without a pre-tokenizer (LLaMA's SentencePiece-style BPE) see a whole document
 * as one word, and their cost grows faster than linearly with its length (measured: 1.1M tokens
 * took 20x the time of 110k). Cutting at boundaries that no BPE merge can cross keeps it linear.
 * Two kinds of boundary are offered, each checked against the real tokenizer before use
 * ({@link HfTokenizer}): a single space between two non-whitespace characters (the piece starts
 * at the space) and a single newline between two non-whitespace characters (the piece starts at
 * the newline).
 */
final class PieceSplitter {
    private PieceSplitter() {
    }

    /**
     * The end (exclusive) of the piece that starts at {@code start}: the first allowed boundary at
     * or after {@code start + targetChars}, or {@code text.length()} if there is none.
     */
    static int pieceEnd(String text, int start, int targetChars, boolean atSpaces, boolean atNewlines) {
        int n = text.length();
        int from = Math.max(start + Math.max(1, targetChars), 1);
        for (int b = from; b < n - 1; b++) {
            char c = text.charAt(b);
            if ((c == ' ' && atSpaces) || (c == '\n' && atNewlines)) {
                if (!Character.isWhitespace(text.charAt(b - 1)) && !Character.isWhitespace(text.charAt(b + 1))) {
                    return b;
                }
            }
        }
        return n;
    }

    /**
     * The last allowed boundary at or before {@code limit} (a piece may start there), or -1 if
     * there is none.
     */
    static int lastBoundaryBefore(String text, int limit, boolean atSpaces, boolean atNewlines) {
        for (int b = Math.min(limit, text.length() - 2); b >= 1; b--) {
            char c = text.charAt(b);
            if ((c == ' ' && atSpaces) || (c == '\n' && atNewlines)) {
                if (!Character.isWhitespace(text.charAt(b - 1)) && !Character.isWhitespace(text.charAt(b + 1))) {
                    return b;
                }
            }
        }
        return -1;
    }
}
