package dev.sinklora.model.generate;

import dev.sinklora.model.BadInputException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Resolving the KV-cache options into budgets, and the errors for bad ones. */
class CacheOptionsTest {

    @Test
    void h2oDefaultsToTenPercentHeavyAndTenPercentRecentOfThePrompt() {
        CachePolicy p = new CacheOptions("h2o", null, null, null, null, null).resolve(1000);
        assertEquals(CachePolicy.h2o(4, 100, 100), p);
        assertEquals(204, p.budget());
        assertEquals(205, p.capacity(1064));     // budget + the incoming slot
        assertEquals(150, p.capacity(150));      // everything fits: no eviction, no spare slot
    }

    @Test
    void ratiosAndBudgetsResolve() {
        assertEquals(CachePolicy.h2o(2, 64, 409),
                new CacheOptions("h2o", null, 64, 2, 0.2, null).resolve(2048));
        assertEquals(CachePolicy.sink(4, 409), new CacheOptions("sink", null, null, null, null, null).resolve(2048));
        assertEquals(CachePolicy.sink(0, 1), new CacheOptions("sink", null, null, 0, null, 0.0).resolve(50));
        assertEquals(CachePolicy.FULL, new CacheOptions(null, null, null, null, null, null).resolve(10));
        assertEquals(Integer.MAX_VALUE, CachePolicy.FULL.budget());
        assertEquals(77, CachePolicy.FULL.capacity(77));
    }

    @Test
    void errorsNameTheOption() {
        assertError("--sink-tokens must be >= 0", new CacheOptions("h2o", 10, 10, -1, null, null));
        assertError("--heavy-budget must be >= 0", new CacheOptions("h2o", -3, 10, 4, null, null));
        assertError("--recent-budget must be >= 1", new CacheOptions("sink", null, 0, 4, null, null));
        assertError("--heavy-budget applies only to --kv-cache h2o", new CacheOptions("sink", 5, 10, 4, null, null));
        assertError("--heavy-ratio applies only to --kv-cache h2o", new CacheOptions("sink", null, 10, 4, 0.1, null));
        assertError("--heavy-budget and --heavy-ratio are mutually exclusive",
                new CacheOptions("h2o", 5, null, null, 0.1, null));
        assertError("--recent-ratio must be in [0, 1]", new CacheOptions("h2o", null, null, null, null, 1.5));
        assertError("--heavy-ratio must be in [0, 1]", new CacheOptions("h2o", null, null, null, Double.NaN, null));
        assertError("--recent-budget does not apply to --kv-cache full", new CacheOptions("full", null, 8, null, null, null));
        assertError("--kv-cache must be one of full, h2o, sink", new CacheOptions("lru", null, null, null, null, null));
    }

    @Test
    void fullPolicyTakesNoBudgets() {
        BadInputException e = assertThrows(BadInputException.class,
                () -> new CachePolicy(CachePolicy.Kind.FULL, 4, 0, 0));
        assertTrue(e.getMessage().contains("full"), e.getMessage());
    }

    private static void assertError(String expected, CacheOptions o) {
        BadInputException e = assertThrows(BadInputException.class, () -> o.resolve(100));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
