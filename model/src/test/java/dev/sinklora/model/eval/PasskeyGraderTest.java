package dev.sinklora.model.eval;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PasskeyGraderTest {

    @Test
    void onlyTheExactDigitsPass() {
        assertTrue(PasskeyGrader.correct("12345", 12345));
        assertTrue(PasskeyGrader.correct(" 12345.", 12345));
        assertTrue(PasskeyGrader.correct("\n12345 is", 12345));
        assertFalse(PasskeyGrader.correct("1234", 12345));
        assertFalse(PasskeyGrader.correct("123456", 12345));
        assertFalse(PasskeyGrader.correct("54321", 12345));
        assertFalse(PasskeyGrader.correct("the 12345", 12345));
        assertFalse(PasskeyGrader.correct("", 12345));
    }
}
