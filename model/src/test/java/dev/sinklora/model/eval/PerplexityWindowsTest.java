package dev.sinklora.model.eval;

import dev.sinklora.model.BadInputException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PerplexityWindowsTest {

    /** How many times each stream position is a scored target. */
    static int[] coverage(List<PerplexityWindow> windows, int total) {
        int[] times = new int[total];
        for (PerplexityWindow w : windows) {
            for (int t = w.scoreFrom(); t < w.end(); t++) {
                times[t]++;
            }
        }
        return times;
    }

    @Test
    void stridedScoresEveryTokenAfterTheFirstExactlyOnce() {
        for (int total = 2; total <= 70; total++) {
            for (int n = 2; n <= Math.min(total, 20); n++) {
                for (int stride = 1; stride < n; stride++) {
                    List<PerplexityWindow> ws = PerplexityWindows.plan(PerplexityProtocol.STRIDED, total, n, stride);
                    int[] times = coverage(ws, total);
                    String where = "total=" + total + " n=" + n + " stride=" + stride;
                    assertEquals(0, times[0], where);
                    for (int t = 1; t < total; t++) {
                        assertEquals(1, times[t], where + " target " + t);
                    }
                    for (PerplexityWindow w : ws) {
                        assertEquals(n, w.length(), where + ": every window reads a full N tokens");
                        assertTrue(w.begin() >= 0 && w.end() <= total, where);
                    }
                    assertEquals(0, PerplexityWindows.unscoredTargets(ws, total), where);
                }
            }
        }
    }

    @Test
    void stridedWindowsAreHuggingFacesWithTheLastOneReachingBack() {
        List<PerplexityWindow> ws = PerplexityWindows.plan(PerplexityProtocol.STRIDED, 25, 10, 4);
        // HF: begin 0,4,8,12 (end 10,14,18,22), then the one ending at 25, scoring 22..24 with 10 tokens of context
        assertEquals(List.of(new PerplexityWindow(0, 0, 10, 1), new PerplexityWindow(1, 4, 14, 10),
                new PerplexityWindow(2, 8, 18, 14), new PerplexityWindow(3, 12, 22, 18),
                new PerplexityWindow(4, 15, 25, 22)), ws);
    }

    @Test
    void longloraWindowsStartEveryStrideAndAreScoredInFull() {
        List<PerplexityWindow> ws = PerplexityWindows.plan(PerplexityProtocol.LONGLORA, 30, 10, 8);
        assertEquals(List.of(new PerplexityWindow(0, 0, 10, 1), new PerplexityWindow(1, 8, 18, 9),
                new PerplexityWindow(2, 16, 26, 17)), ws);
        for (PerplexityWindow w : ws) {
            assertEquals(9, w.scored());
        }
        // targets 26..29 (the tail) are not scored
        assertEquals(4, PerplexityWindows.unscoredTargets(ws, 30));
        // overlapping windows score tokens more than once
        int[] times = coverage(PerplexityWindows.plan(PerplexityProtocol.LONGLORA, 30, 10, 2), 30);
        assertEquals(5, times[9]);
    }

    @Test
    void exactLengthGivesOneWindow() {
        for (PerplexityProtocol p : PerplexityProtocol.values()) {
            assertEquals(List.of(new PerplexityWindow(0, 0, 16, 1)), PerplexityWindows.plan(p, 16, 16, 4), p.cliName());
        }
    }

    @Test
    void sampleKeepsEvenlySpacedWindowsIncludingTheFirst() {
        List<PerplexityWindow> ws = PerplexityWindows.plan(PerplexityProtocol.LONGLORA, 1000, 10, 10); // 100 windows
        List<PerplexityWindow> s = PerplexityWindows.sample(ws, 4);
        assertEquals(List.of(0, 25, 50, 75), s.stream().map(PerplexityWindow::index).toList());
        assertEquals(ws, PerplexityWindows.sample(ws, null));
        assertEquals(ws, PerplexityWindows.sample(ws, 500));
        assertThrows(BadInputException.class, () -> PerplexityWindows.sample(ws, 0));
    }

    @Test
    void badArgumentsNameTheOption() {
        var tooLong = assertThrows(BadInputException.class,
                () -> PerplexityWindows.plan(PerplexityProtocol.LONGLORA, 100, 128, 16));
        assertTrue(tooLong.getMessage().contains("--seq-len 128 is longer than the data"), tooLong.getMessage());
        assertTrue(tooLong.getMessage().contains("100 tokens"), tooLong.getMessage());
        var stride = assertThrows(BadInputException.class,
                () -> PerplexityWindows.plan(PerplexityProtocol.STRIDED, 100, 16, 16));
        assertTrue(stride.getMessage().startsWith("--stride 16 must be smaller than --seq-len 16"), stride.getMessage());
        assertThrows(BadInputException.class, () -> PerplexityWindows.plan(PerplexityProtocol.LONGLORA, 100, 16, 0));
        var protocol = assertThrows(BadInputException.class, () -> PerplexityProtocol.parse("sliding", "--protocol"));
        assertEquals("--protocol: unknown protocol 'sliding' (expected longlora or strided)", protocol.getMessage());
    }
}
