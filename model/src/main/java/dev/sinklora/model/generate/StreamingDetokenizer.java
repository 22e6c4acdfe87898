package dev.sinklora.model.generate;

import java.util.Arrays;

/**
 * Turns generated ids into text pieces as they arrive: decodes everything generated so far and emits
 * what is new, holding back while the text ends in an incomplete character (U+FFFD from a partial
 * byte-fallback sequence) or no longer extends what was emitted.
 */
public final class StreamingDetokenizer {

    private final PromptTokenizer tokenizer;
    private int[] ids = new int[16];
    private int n;
    private String emitted = "";

    public StreamingDetokenizer(PromptTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds one id; returns the text it completes ("" when none yet). */
    public String add(int id) {
        if (n == ids.length) {
            ids = Arrays.copyOf(ids, n * 2);
        }
        ids[n++] = id;
        String text = tokenizer.decode(Arrays.copyOf(ids, n));
        if (text.endsWith("\uFFFD") || !text.startsWith(emitted)) {
            return "";
        }
        String piece = text.substring(emitted.length());
        emitted = text;
        return piece;
    }

    /** The full text of every id added (including any held-back tail). */
    public String text() {
        return tokenizer.decode(Arrays.copyOf(ids, n));
    }

    /** What {@link #text()} has beyond what {@link #add} returned so far. */
    public String rest() {
        String text = text();
        return text.startsWith(emitted) ? text.substring(emitted.length()) : "";
    }
}
