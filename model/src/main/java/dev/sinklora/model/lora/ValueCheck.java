package dev.sinklora.model.lora;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.io.safetensors.DType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

/**
 * Checks tensor values before they are written: no NaN or infinity, and, when stored in a narrower type, no value
 * that the round-to-nearest-even cast would turn into infinity.
 */
final class ValueCheck {

    /** Smallest magnitude that F16 rounds to infinity (halfway between 65504 and 2^16). */
    static final float F16_OVERFLOW = 65520f;

    /** Smallest magnitude that BF16 rounds to infinity (halfway between the largest BF16 and 2^128). */
    static final float BF16_OVERFLOW = Float.intBitsToFloat(0x7F7F8000);

    private ValueCheck() {
    }

    /**
     * @param a    a FLOAT array, not a view
     * @param what the tensor, for the message
     * @throws BadInputException naming {@code what}, the count and the first bad value
     */
    static void check(INDArray a, DType target, String what) {
        if (a.dataType() != DataType.FLOAT || a.isView()) {
            throw new IllegalArgumentException(what + ": expected a contiguous FLOAT array");
        }
        float limit = switch (target) {
            case F32 -> Float.POSITIVE_INFINITY;
            case F16 -> F16_OVERFLOW;
            case BF16 -> BF16_OVERFLOW;
        };
        FloatBuffer v = a.data().asNioFloat();
        long n = a.length();
        long nonFinite = 0;
        long overflow = 0;
        float first = 0;
        for (long i = 0; i < n; i++) {
            float x = v.get((int) i);
            if (!Float.isFinite(x)) {
                if (nonFinite++ == 0) {
                    first = x;
                }
            } else if (Math.abs(x) >= limit) {
                if (overflow++ == 0 && nonFinite == 0) {
                    first = x;
                }
            }
        }
        if (nonFinite > 0) {
            throw new BadInputException(what + " has " + nonFinite + " NaN/Inf value(s) (first: " + first + ")");
        }
        if (overflow > 0) {
            throw new BadInputException(what + " has " + overflow + " value(s) beyond the " + target
                    + " range (first: " + first + "), which would be stored as Inf; export with --dtype F32 or BF16");
        }
    }
}
