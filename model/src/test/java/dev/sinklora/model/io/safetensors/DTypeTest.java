package dev.sinklora.model.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinklora.model.BadInputException;
import org.junit.jupiter.api.Test;

class DTypeTest {

    @Test
    void parsesSupportedDtypesWithTheirSizes() {
        assertEquals(DType.F32, DType.parse("F32"));
        assertEquals(DType.F16, DType.parse("F16"));
        assertEquals(DType.BF16, DType.parse("BF16"));
        assertEquals(4, DType.F32.byteSize());
        assertEquals(2, DType.F16.byteSize());
        assertEquals(2, DType.BF16.byteSize());
    }

    @Test
    void rejectsUnsupportedAndUnknownDtypes() {
        for (String s : new String[] {"I64", "F64", "BOOL", "f32", "", "F8_E4M3"}) {
            BadInputException e = assertThrows(BadInputException.class, () -> DType.parse(s));
            assertTrue(e.getMessage().contains("\"" + s + "\""), e.getMessage());
        }
    }
}
