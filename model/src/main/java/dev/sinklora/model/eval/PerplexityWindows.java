package dev.sinklora.model.eval;

import dev.sinklora.model.BadInputException;

import java.util.ArrayList;
import java.util.List;

/**
 * Plans the windows of a perplexity evaluation over a flat stream of {@code total} real tokens
 * (positions {@code 0..total-1}), for evaluation length {@code N} and {@code stride}. Pure arithmetic,
 * no model.
 *
 * <ul>
 *   <li>{@link PerplexityProtocol#LONGLORA}: windows {@code [s, s+N)} for {@code s = 0, stride, 2*stride, ...}
 *       while {@code s + N <= total}; each scores all its {@code N-1} next-token predictions. The tail after
 *       the last full window (fewer than {@code stride} tokens when {@code stride <= N}) is not scored;
 *       {@link #unscoredTargets} counts what is left out.</li>
 *   <li>{@link PerplexityProtocol#STRIDED}: for {@code s = 0, stride, ...} a window ends at
 *       {@code end = min(s+N, total)} and begins at {@code max(0, end-N)} (so the last window is a full
 *       {@code N} tokens, reaching back for context); it scores the targets after the previous window's end.
 *       Every position {@code 1..total-1} is a scored target exactly once; the first window scores
 *       {@code N-1} targets, the others {@code stride} (the last one fewer). Needs {@code stride < N}: with
 *       {@code stride = N} each window's first token would never be predicted.</li>
 * </ul>
 */
public final class PerplexityWindows {

    private PerplexityWindows() {
    }

    /**
     * All windows of the protocol, in stream order.
     *
     * @throws BadInputException when {@code seqLen} is longer than the stream or an argument is out of range
     *                           (the message names {@code --seq-len} / {@code --stride})
     */
    public static List<PerplexityWindow> plan(PerplexityProtocol protocol, int total, int seqLen, int stride) {
        if (seqLen < 2) {
            throw new BadInputException("--seq-len must be at least 2, got " + seqLen);
        }
        if (stride < 1) {
            throw new BadInputException("--stride must be at least 1, got " + stride);
        }
        if (seqLen > total) {
            throw new BadInputException("--seq-len " + seqLen + " is longer than the data: the split has only "
                    + total + " tokens");
        }
        List<PerplexityWindow> out = new ArrayList<>();
        if (protocol == PerplexityProtocol.LONGLORA) {
            for (long s = 0; s + seqLen <= total; s += stride) {
                out.add(new PerplexityWindow(out.size(), (int) s, (int) s + seqLen, (int) s + 1));
            }
            return out;
        }
        if (stride >= seqLen) {
            throw new BadInputException("--stride " + stride + " must be smaller than --seq-len " + seqLen
                    + " for the strided protocol (each window scores its last stride tokens)");
        }
        int prevEnd = 0;
        for (long s = 0; ; s += stride) {
            int end = (int) Math.min(s + seqLen, total);
            int begin = Math.max(0, end - seqLen);
            int scoreFrom = Math.max(prevEnd, begin + 1);
            if (end > scoreFrom) {
                out.add(new PerplexityWindow(out.size(), begin, end, scoreFrom));
            }
            prevEnd = end;
            if (end == total) {
                return out;
            }
        }
    }

    /**
     * At most {@code max} of {@code windows}, evenly spaced over the plan (window {@code floor(i * W / max)} for
     * {@code i = 0..max-1}, so the first window is always kept and the sample spans the whole stream); all of them
     * when {@code max} is null or not smaller than their number.
     */
    public static List<PerplexityWindow> sample(List<PerplexityWindow> windows, Integer max) {
        if (max == null || max >= windows.size()) {
            return windows;
        }
        if (max < 1) {
            throw new BadInputException("--max-windows must be at least 1, got " + max);
        }
        List<PerplexityWindow> out = new ArrayList<>(max);
        for (int i = 0; i < max; i++) {
            out.add(windows.get((int) ((long) i * windows.size() / max)));
        }
        return out;
    }

    /** Targets {@code 1..total-1} that no window of the full plan {@code windows} scores. */
    public static long unscoredTargets(List<PerplexityWindow> windows, int total) {
        long scored = 0;
        int coveredTo = 1; // targets below this are already counted
        for (PerplexityWindow w : windows) {
            int from = Math.max(w.scoreFrom(), coveredTo);
            if (w.end() > from) {
                scored += w.end() - from;
                coveredTo = w.end();
            }
        }
        return Math.max(0, total - 1 - scored);
    }
}
