package dev.sinklora.model.eval;

import java.io.Serializable;

/**
 * One evaluation window over a flat token stream: the model reads tokens {@code [begin, end)} and the
 * window scores the next-token predictions whose targets are stream positions {@code [scoreFrom, end)}
 * (each predicted from the window's tokens before it). {@code begin < scoreFrom <= end}.
 *
 * @param index     position of the window in its plan (0-based), kept through sampling
 * @param begin     first token the model reads
 * @param end       one past the last token the model reads
 * @param scoreFrom first target position scored
 */
public record PerplexityWindow(int index, int begin, int end, int scoreFrom) implements Serializable {

    public PerplexityWindow {
        if (begin < 0 || scoreFrom <= begin || end < scoreFrom) {
            throw new IllegalArgumentException("bad window begin=" + begin + " scoreFrom=" + scoreFrom + " end=" + end);
        }
    }

    /** Tokens the model reads. */
    public int length() {
        return end - begin;
    }

    /** Next-token predictions scored: {@code end - scoreFrom}. */
    public int scored() {
        return end - scoreFrom;
    }

    /** Offset inside the window of the first scored prediction's input row ({@code scoreFrom - 1 - begin}). */
    public int firstScoredRow() {
        return scoreFrom - 1 - begin;
    }
}
