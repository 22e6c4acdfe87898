package dev.sinklora.model.lora;

import dev.sinklora.model.BadInputException;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoraConfigTest {

    private static final List<String> QV = List.of("q_proj", "v_proj");

    @Test
    void scalingIsAlphaOverR() {
        assertEquals(2.0, new LoraConfig(8, 16, 0.05, QV, Set.of()).scaling());
        assertEquals(0.25, new LoraConfig(4, 1, 0, QV, Set.of()).scaling());
    }

    @Test
    void targetsAreKeptInCanonicalOrder() {
        LoraConfig c = new LoraConfig(4, 8, 0, List.of("down_proj", "v_proj", "q_proj"), null);
        assertEquals(List.of("q_proj", "v_proj", "down_proj"), c.targets());
        assertTrue(c.targets("v_proj"));
        assertFalse(c.targets("k_proj"));
        assertTrue(c.trainable().isEmpty());
    }

    @Test
    void invalidValuesAreRejectedNamingTheField() {
        assertMessage("rank r", () -> new LoraConfig(0, 8, 0, QV, Set.of()));
        assertMessage("alpha", () -> new LoraConfig(4, 0, 0, QV, Set.of()));
        assertMessage("alpha", () -> new LoraConfig(4, Double.NaN, 0, QV, Set.of()));
        assertMessage("dropout", () -> new LoraConfig(4, 8, 1.0, QV, Set.of()));
        assertMessage("dropout", () -> new LoraConfig(4, 8, -0.1, QV, Set.of()));
        assertMessage("at least one target", () -> new LoraConfig(4, 8, 0, List.of(), Set.of()));
        assertMessage("'lm_head'", () -> new LoraConfig(4, 8, 0, List.of("q_proj", "lm_head"), Set.of()));
        assertMessage("listed twice", () -> new LoraConfig(4, 8, 0, List.of("q_proj", "q_proj"), Set.of()));
    }

    @Test
    void parsesTargetsAndTrainableExtras() {
        assertEquals(LoraConfig.ALL_TARGETS, LoraConfig.parseTargets("all"));
        assertEquals(List.of("q_proj", "k_proj"), LoraConfig.parseTargets(" q_proj, k_proj "));
        assertEquals(EnumSet.of(TrainableExtra.EMBED, TrainableExtra.NORM), LoraConfig.parseTrainable("embed,norm"));
        assertTrue(LoraConfig.parseTrainable("none").isEmpty());
        assertTrue(LoraConfig.parseTrainable("").isEmpty());
        assertMessage("'bias'", () -> LoraConfig.parseTrainable("embed,bias"));
    }

    private static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable e) {
        BadInputException ex = assertThrows(BadInputException.class, e);
        assertTrue(ex.getMessage().contains(fragment), ex.getMessage());
    }
}
