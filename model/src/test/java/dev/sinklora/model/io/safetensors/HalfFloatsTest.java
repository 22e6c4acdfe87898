package dev.sinklora.model.io.safetensors;

import static dev.sinklora.model.io.safetensors.HalfFloats.bf16ToF32;
import static dev.sinklora.model.io.safetensors.HalfFloats.f16ToF32;
import static dev.sinklora.model.io.safetensors.HalfFloats.f32ToBf16;
import static dev.sinklora.model.io.safetensors.HalfFloats.f32ToF16;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HalfFloatsTest {

    private static void assertF16(int expectedBits, float f) {
        assertEquals(String.format("0x%04X", expectedBits), String.format("0x%04X", f32ToF16(f) & 0xFFFF),
                "f32ToF16(" + f + ")");
    }

    private static void assertBf16(int expectedBits, float f) {
        assertEquals(String.format("0x%04X", expectedBits), String.format("0x%04X", f32ToBf16(f) & 0xFFFF),
                "f32ToBf16(" + f + " = 0x" + Integer.toHexString(Float.floatToRawIntBits(f)) + ")");
    }

    @Test
    void f16KnownBitPatterns() {
        assertF16(0x3C00, 1.0f);
        assertF16(0xC000, -2.0f);
        assertF16(0x0000, 0.0f);
        assertF16(0x8000, -0.0f);
        assertF16(0x3555, 1f / 3);
        assertF16(0x2E66, 0.1f);
        assertF16(0x7BFF, 65504f); // largest finite half
        assertF16(0x0400, 0x1p-14f); // smallest normal
        assertF16(0x03FF, 1023 * 0x1p-24f); // largest subnormal
        assertF16(0x0001, 0x1p-24f); // smallest subnormal
        assertF16(0x7C00, Float.POSITIVE_INFINITY);
        assertF16(0xFC00, Float.NEGATIVE_INFINITY);
    }

    @Test
    void f16RoundsToNearestEvenAndOverflowsToInfinity() {
        assertF16(0x3C00, 1 + 0x1p-11f); // tie between 0x3C00 and 0x3C01: even wins
        assertF16(0x3C02, 1 + 3 * 0x1p-11f); // tie between 0x3C01 and 0x3C02: even wins
        assertF16(0x3C01, Math.nextUp(1 + 0x1p-11f)); // just above the tie
        assertF16(0x0000, 0x1p-25f); // half the smallest subnormal: tie to 0
        assertF16(0x0001, Math.nextUp(0x1p-25f));
        assertF16(0x0002, 3 * 0x1p-25f); // tie between subnormals 1 and 2
        assertF16(0x0000, 0x1p-30f);
        assertF16(0x8000, -0x1p-30f);
        assertF16(0x0400, 1023.5f * 0x1p-24f); // largest subnormal rounds up into the smallest normal
        assertF16(0x7BFF, Math.nextDown(65520f));
        assertF16(0x7C00, 65520f); // tie between 65504 and "65536": rounds to even = infinity
        assertF16(0x7C00, 1e6f);
        assertF16(0xFC00, -1e6f);
        assertF16(0x7C00, Float.MAX_VALUE);
    }

    @Test
    void f16KeepsNaN() {
        assertTrue(Float.isNaN(f16ToF32(f32ToF16(Float.NaN))));
        // a NaN whose payload sits only in bits that narrowing drops must not become infinity
        short h = f32ToF16(Float.intBitsToFloat(0x7F800001));
        assertTrue(Float.isNaN(f16ToF32(h)), String.format("0x%04X", h));
        assertTrue(Float.isNaN(f16ToF32((short) 0x7E00)));
        assertTrue(Float.isNaN(f16ToF32((short) 0xFC01)));
    }

    @Test
    void f16WidensKnownBitPatterns() {
        assertEquals(1.0f, f16ToF32((short) 0x3C00));
        assertEquals(65504f, f16ToF32((short) 0x7BFF));
        assertEquals(0x1p-24f, f16ToF32((short) 0x0001));
        assertEquals(-0x1p-24f, f16ToF32((short) 0x8001));
        assertEquals(0x1p-14f, f16ToF32((short) 0x0400));
        assertEquals(0.333251953125f, f16ToF32((short) 0x3555));
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(f16ToF32((short) 0x8000)));
        assertEquals(Float.NEGATIVE_INFINITY, f16ToF32((short) 0xFC00));
    }

    @Test
    void everyF16RoundTripsAndEveryMidpointRoundsToEven() {
        for (int h = 0; h < 0x10000; h++) {
            float f = f16ToF32((short) h);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(f16ToF32(f32ToF16(f))), Integer.toHexString(h));
                continue;
            }
            assertEquals(h, f32ToF16(f) & 0xFFFF, "round trip of 0x" + Integer.toHexString(h));
        }
        // Between each pair of adjacent non-negative finite halves (and 65504 / the overflow threshold 65536),
        // the exact midpoint rounds to the even one and the floats either side of it to the nearer one.
        for (int h = 0; h < 0x7C00; h++) {
            float lo = f16ToF32((short) h);
            float hi = h + 1 == 0x7C00 ? 65536f : f16ToF32((short) (h + 1));
            float mid = (lo + hi) / 2; // exact: needs 12 significant bits
            int even = (h & 1) == 0 ? h : h + 1;
            assertEquals(even, f32ToF16(mid) & 0xFFFF, "midpoint above 0x" + Integer.toHexString(h));
            assertEquals(h, f32ToF16(Math.nextDown(mid)) & 0xFFFF, "below midpoint above 0x" + Integer.toHexString(h));
            assertEquals(h + 1, f32ToF16(Math.nextUp(mid)) & 0xFFFF, "above midpoint above 0x" + Integer.toHexString(h));
            assertEquals(h | 0x8000, f32ToF16(-Math.nextDown(mid)) & 0xFFFF, "negative of 0x" + Integer.toHexString(h));
        }
    }

    @Test
    void bf16KnownBitPatternsAndRounding() {
        assertBf16(0x3F80, 1.0f);
        assertBf16(0xC000, -2.0f);
        assertBf16(0x4049, (float) Math.PI); // 0x40490FDB: low half below the midpoint
        assertBf16(0x3F80, Float.intBitsToFloat(0x3F808000)); // tie, 0x3F80 even
        assertBf16(0x3F82, Float.intBitsToFloat(0x3F818000)); // tie, 0x3F81 odd -> up
        assertBf16(0x3F81, Float.intBitsToFloat(0x3F808001));
        assertBf16(0x3F80, Float.intBitsToFloat(0x3F807FFF));
        assertBf16(0x7F80, Float.MAX_VALUE); // rounds up to infinity
        assertBf16(0x7F80, Float.POSITIVE_INFINITY);
        assertBf16(0xFF80, Float.NEGATIVE_INFINITY);
        assertBf16(0x8000, -0.0f);
        assertBf16(0x0001, Float.intBitsToFloat(0x00010000)); // subnormal kept
    }

    @Test
    void bf16KeepsNaN() {
        assertBf16(0x7FC0, Float.NaN);
        // naive rounding would carry 0x7F800001 into 0x7F80 = infinity
        assertTrue(Float.isNaN(bf16ToF32(f32ToBf16(Float.intBitsToFloat(0x7F800001)))));
        assertTrue(Float.isNaN(bf16ToF32(f32ToBf16(Float.intBitsToFloat(0xFFFFFFFF)))));
    }

    @Test
    void everyBf16RoundTrips() {
        assertEquals(1.0f, bf16ToF32((short) 0x3F80));
        for (int b = 0; b < 0x10000; b++) {
            float f = bf16ToF32((short) b);
            assertEquals(b << 16, Float.floatToRawIntBits(f));
            if (!Float.isNaN(f)) {
                assertEquals(b, f32ToBf16(f) & 0xFFFF, "round trip of 0x" + Integer.toHexString(b));
            }
        }
    }
}
