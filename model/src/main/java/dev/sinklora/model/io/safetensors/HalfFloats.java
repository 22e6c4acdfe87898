package dev.sinklora.model.io.safetensors;

/**
 * Bit-exact conversions between float32 and the two 16-bit float formats, as raw {@code short} bit patterns.
 *
 * <p>IEEE half (F16): 1 sign, 5 exponent, 10 mantissa bits; subnormals, signed zeros, infinities and NaN are
 * kept; narrowing rounds to nearest, ties to even, and overflows to infinity. bfloat16 (BF16): the upper 16 bits
 * of a float32; narrowing rounds to nearest even and keeps NaN a (quiet) NaN.
 */
public final class HalfFloats {
    private HalfFloats() {
    }

    /** Widens an F16 bit pattern to float32 (exact). */
    public static float f16ToF32(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            float magnitude = mant * 0x1p-24f; // exact: mant < 2^10, the scale is a power of two
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exp + 127 - 15) << 23) | (mant << 13));
    }

    /** Narrows float32 to an F16 bit pattern, rounding to nearest even. */
    public static short f32ToF16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xFF;
        int mant = bits & 0x7FFFFF;
        if (exp == 0xFF) {
            // Infinity stays infinity; NaN becomes a quiet NaN keeping the top payload bits.
            return (short) (mant == 0 ? sign | 0x7C00 : sign | 0x7E00 | (mant >>> 13));
        }
        int halfExp = exp - 127 + 15;
        if (halfExp >= 0x1F) {
            return (short) (sign | 0x7C00);
        }
        if (halfExp <= 0) {
            if (halfExp < -10) {
                return (short) sign; // below half the smallest subnormal: rounds to zero
            }
            // Subnormal result: the full 24-bit significand scaled to units of 2^-24.
            return (short) (sign | roundShift(mant | 0x800000, 14 - halfExp));
        }
        // Normal result; a carry out of the mantissa correctly bumps the exponent (up to infinity).
        return (short) (sign | ((halfExp << 10) + roundShift(mant, 13)));
    }

    /** Widens a BF16 bit pattern to float32 (exact). */
    public static float bf16ToF32(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    /** Narrows float32 to a BF16 bit pattern, rounding to nearest even. */
    public static short f32ToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x0040); // quiet bit set, so truncation cannot turn NaN into infinity
        }
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    /** {@code value >> shift}, rounded to nearest with ties to even. Requires {@code 1 <= shift <= 30}. */
    private static int roundShift(int value, int shift) {
        int kept = value >>> shift;
        int rest = value & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        return rest > half || (rest == half && (kept & 1) != 0) ? kept + 1 : kept;
    }
}
