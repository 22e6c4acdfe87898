package dev.sinklora.model.generate;

import dev.sinklora.model.BadInputException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {

    static float[] logitsOf(double... probs) {
        float[] l = new float[probs.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = (float) Math.log(probs[i]);
        }
        return l;
    }

    @Test
    void greedyTakesTheArgmaxLowestIdOnTies() {
        assertEquals(2, Sampler.greedy().next(new float[]{0f, 1f, 3f, -1f}));
        assertEquals(1, Sampler.greedy().next(new float[]{0f, 3f, 3f, 3f}));
    }

    @Test
    void nucleusIsTheSmallestMostLikelySetReachingTopP() {
        float[] l = logitsOf(0.5, 0.3, 0.2);
        assertArrayEquals(new int[]{0}, Sampler.nucleus(1, 0.5, 0).nucleus(l));
        assertArrayEquals(new int[]{0, 1}, Sampler.nucleus(1, 0.75, 0).nucleus(l));
        assertArrayEquals(new int[]{0, 1, 2}, Sampler.nucleus(1, 1.0, 0).nucleus(l));
    }

    @Test
    void samplesFollowTheRenormalisedNucleusAndTheTemperature() {
        float[] l = logitsOf(0.5, 0.3, 0.2);
        int n = 20000;
        int[] all = counts(Sampler.nucleus(1, 1.0, 1), l, n);
        assertEquals(0.5, all[0] / (double) n, 0.015);
        assertEquals(0.2, all[2] / (double) n, 0.015);

        int[] top = counts(Sampler.nucleus(1, 0.75, 2), l, n);   // nucleus {0, 1}: 0.5/0.8 and 0.3/0.8
        assertEquals(0, top[2]);
        assertEquals(0.625, top[0] / (double) n, 0.015);

        int[] cold = counts(Sampler.nucleus(0.5, 1.0, 3), l, n);  // p^2 renormalised: .25/.38, .09/.38, .04/.38
        assertEquals(0.25 / 0.38, cold[0] / (double) n, 0.015);
        assertEquals(0.04 / 0.38, cold[2] / (double) n, 0.015);
    }

    @Test
    void aSeedReproducesTheDraws() {
        float[] l = logitsOf(0.25, 0.25, 0.25, 0.25);
        int[] a = draws(Sampler.nucleus(1, 1, 42), l, 64);
        assertArrayEquals(a, draws(Sampler.nucleus(1, 1, 42), l, 64));
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(draws(Sampler.nucleus(1, 1, 43), l, 64)));
    }

    @Test
    void badSettingsNameTheOption() {
        BadInputException e = assertThrows(BadInputException.class, () -> Sampler.nucleus(0, 0.9, 1));
        assertTrue(e.getMessage().contains("--temperature"), e.getMessage());
        e = assertThrows(BadInputException.class, () -> Sampler.nucleus(1, 0, 1));
        assertTrue(e.getMessage().contains("--top-p"), e.getMessage());
        e = assertThrows(BadInputException.class, () -> Sampler.nucleus(1, 1.5, 1));
        assertTrue(e.getMessage().contains("--top-p"), e.getMessage());
    }

    private static int[] counts(Sampler s, float[] l, int n) {
        int[] c = new int[l.length];
        for (int i = 0; i < n; i++) {
            c[s.next(l)]++;
        }
        return c;
    }

    private static int[] draws(Sampler s, float[] l, int n) {
        int[] d = new int[n];
        for (int i = 0; i < n; i++) {
            d[i] = s.next(l);
        }
        return d;
    }
}
