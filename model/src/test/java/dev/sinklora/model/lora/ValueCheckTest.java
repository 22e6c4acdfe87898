package dev.sinklora.model.lora;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.io.safetensors.DType;
import dev.sinklora.model.io.safetensors.HalfFloats;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ValueCheckTest {

    @Test
    void overflowThresholdsAreWhereTheCastsTurnToInfinity() {
        assertTrue(Float.isInfinite(HalfFloats.f16ToF32(HalfFloats.f32ToF16(ValueCheck.F16_OVERFLOW))));
        assertEquals(65504f, HalfFloats.f16ToF32(HalfFloats.f32ToF16(Math.nextDown(ValueCheck.F16_OVERFLOW))));
        assertTrue(Float.isInfinite(HalfFloats.bf16ToF32(HalfFloats.f32ToBf16(ValueCheck.BF16_OVERFLOW))));
        assertTrue(Float.isFinite(HalfFloats.bf16ToF32(HalfFloats.f32ToBf16(Math.nextDown(ValueCheck.BF16_OVERFLOW)))));
    }

    @Test
    void rejectsNonFiniteValuesAndNarrowingOverflowNamingTheTensor() {
        var nan = Nd4j.createFromArray(1f, Float.NaN, 2f);
        var inf = Nd4j.createFromArray(1f, Float.NEGATIVE_INFINITY);
        var big = Nd4j.createFromArray(1f, -70000f);
        BadInputException e = assertThrows(BadInputException.class, () -> ValueCheck.check(nan, DType.F32, "t1"));
        assertTrue(e.getMessage().contains("t1") && e.getMessage().contains("NaN"), e.getMessage());
        assertThrows(BadInputException.class, () -> ValueCheck.check(inf, DType.BF16, "t2"));
        e = assertThrows(BadInputException.class, () -> ValueCheck.check(big, DType.F16, "t3"));
        assertTrue(e.getMessage().contains("t3") && e.getMessage().contains("F16"), e.getMessage());
        assertDoesNotThrow(() -> ValueCheck.check(big, DType.BF16, "t3"));
        assertDoesNotThrow(() -> ValueCheck.check(big, DType.F32, "t3"));
    }
}
