package dev.sinklora.model.llama;

import dev.sinklora.model.config.RopeScaling;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Rope} with llama3 frequency scaling against the committed reference ({@link Llama3Reference}: LLaMA-3.1-8B,
 * LLaMA-3.2-1B, the tiny fixture's head size and an uneven parameter set, every rule present), against closed forms
 * derived by hand, and with linear position interpolation on top.
 */
class RopeLlama3Test {

    /** FP32 rounding of theta^(-2i/D) and of HF's FP32 llama3 arithmetic: observed 1.6e-7. */
    static final double INV_FREQ_REL_TOL = 2.5e-7;
    /** FP32 angles {@code (t / factor) * inv_freq}: the error grows with the angle; observed 1.4e-7 * (1 + angle). */
    static final double TABLE_TOL_PER_RADIAN = 2.5e-7;

    @Test
    void inverseFrequenciesMatchTheReference() {
        for (Llama3Reference.Case c : Llama3Reference.cases()) {
            float[] got = new Rope(c.headDim(), c.theta(), c.llama3(), 1.0).invFreq();
            assertEquals(c.invFreq().length, got.length, c.name());
            for (int i = 0; i < got.length; i++) {
                double rel = Math.abs(got[i] - c.invFreq()[i]) / c.invFreq()[i];
                assertTrue(rel <= INV_FREQ_REL_TOL, c.name() + " inv_freq[" + i + "] (" + c.branch()[i] + "): "
                        + got[i] + " vs " + c.invFreq()[i] + ", relative error " + rel);
            }
            assertTrue(Arrays.asList(c.branch()).containsAll(java.util.List.of("keep", "smooth", "divide")), c.name());
        }
    }

    @Test
    void shortWavelengthsAreKeptAndLongOnesDividedExactly() {
        for (Llama3Reference.Case c : Llama3Reference.cases()) {
            float[] plain = new Rope(c.headDim(), c.theta(), null, 1.0).invFreq();
            float[] got = new Rope(c.headDim(), c.theta(), c.llama3(), 1.0).invFreq();
            for (int i = 0; i < got.length; i++) {
                switch (c.branch()[i]) {
                    case "keep" -> assertEquals(plain[i], got[i], 0.0, c.name() + " " + i);
                    case "divide" -> assertEquals(plain[i] / (float) c.llama3().factor(), got[i], 0.0, c.name() + " " + i);
                    default -> assertTrue(got[i] < plain[i] && got[i] > plain[i] / c.llama3().factor(), c.name() + " " + i);
                }
            }
        }
    }

    @Test
    void smoothRuleMatchesAClosedForm() {
        // low 1, high 4, factor 4, original 64: s = (64 f / 2pi - 1) / 3, so (1 - s) f / 4 + s f = f/4 + 3 s f / 4
        // = 8 f^2 / pi. theta 10000, D 16: f_1^2 = 10000^(-1/4) = 0.1, f_2^2 = 0.01 (both in the smooth band:
        // wavelengths 19.9 and 62.8 lie in [64/4, 64/1]).
        float[] got = new Rope(16, 10000, new RopeScaling.Llama3(4, 1, 4, 64), 1.0).invFreq();
        assertEquals(0.8 / Math.PI, got[1], 0.8 / Math.PI * INV_FREQ_REL_TOL);
        assertEquals(0.08 / Math.PI, got[2], 0.08 / Math.PI * INV_FREQ_REL_TOL);
        assertEquals(1.0, got[0], 0.0);                                                // wavelength 2 pi < 16: kept
        assertEquals(Math.pow(10000, -3.0 / 8) / 4, got[3], Math.pow(10000, -3.0 / 8) / 4 * INV_FREQ_REL_TOL); // 199 > 64
    }

    @Test
    void tablesMatchTheReferenceWithAndWithoutLinearInterpolationOnTop() {
        int[] positions = {0, 1, 7, 63, 100, 1000, 8191};
        for (Llama3Reference.Case c : Llama3Reference.cases()) {
            int d = c.headDim();
            int half = d / 2;
            for (double factor : new double[]{1.0, 4.0}) {
                Rope rope = new Rope(d, c.theta(), c.llama3(), factor);
                for (int t : positions) {
                    float[] cos = rope.cos(t, 1);                                       // [1, D]
                    float[] sin = rope.sin(t, 1);
                    for (int i = 0; i < half; i++) {
                        double angle = t / factor * c.invFreq()[i];
                        double tol = TABLE_TOL_PER_RADIAN * (1 + angle);
                        for (int j : new int[]{i, half + i}) {                          // cat(freqs, freqs)
                            String where = c.name() + " x" + factor + " t=" + t + " column " + j;
                            assertEquals(Math.cos(angle), cos[j], tol, where);
                            assertEquals(Math.sin(angle), sin[j], tol, where);
                        }
                    }
                }
            }
        }
    }

    @Test
    void linearInterpolationDividesPositionsOnTopOfLlama3Frequencies() {
        Llama3Reference.Case c = Llama3Reference.get("llama-3.2-1b");
        Rope pi = new Rope(c.headDim(), c.theta(), c.llama3(), 4.0);
        Rope none = new Rope(c.headDim(), c.theta(), c.llama3(), 1.0);
        assertArrayEquals(none.invFreq(), pi.invFreq());
        float[] scaled = pi.cos(0, 4097);                                               // [4097, D]
        float[] base = none.cos(0, 1025);                                               // [1025, D]
        int d = c.headDim();
        for (int k = 0; k <= 1024; k++) {                                                // position 4k / 4 == k exactly
            assertArrayEquals(Arrays.copyOfRange(base, k * d, (k + 1) * d),
                    Arrays.copyOfRange(scaled, 4 * k * d, (4 * k + 1) * d), "position " + 4 * k);
        }
        assertFalse(Arrays.equals(pi.sin(4096, 1), none.sin(4096, 1)));
    }
}
