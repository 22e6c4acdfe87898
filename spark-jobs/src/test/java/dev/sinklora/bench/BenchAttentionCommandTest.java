package dev.sinklora.bench;

import dev.sinklora.cli.CliRunner;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `sinklora bench-attention`: the JSON contract on a tiny run, the groupwise memory guard, one-line user errors. */
class BenchAttentionCommandTest {

    @Test
    void tinyRunReportsTimesAndMemoryOfBothKernels() throws Exception {
        CliRunner.Result r = CliRunner.run("bench-attention", "--lengths", "64", "--heads", "4", "--kv-heads", "2",
                "--head-dim", "8", "--repeats", "3", "--query-chunk", "16");
        assertEquals(0, r.exitCode(), r.err());
        assertFalse(r.out().contains("Added differentiated op"), r.out());
        assertTrue(r.out().contains("chunked    sf/full time"), r.out());
        assertTrue(r.out().contains("groupwise  sf/full time"), r.out());
        JsonNode json = new ObjectMapper().readTree(r.lastLine());
        assertEquals(16, json.get("query_chunk").asInt());
        JsonNode results = json.get("results");
        assertEquals(4, results.size());
        long inputs = 4L * 64 * 8 * (4 + 2 + 2 + 4);                           // q, k, v, dOut in bytes
        for (JsonNode row : results) {
            assertFalse(row.has("skipped"), row.toString());
            double[] times = new double[3];
            for (int i = 0; i < 3; i++) {
                times[i] = row.get("times_ms").get(i).asDouble();
                assertTrue(times[i] > 0, row.toString());
            }
            Arrays.sort(times);
            assertEquals(times[0], row.get("min_ms").asDouble(), 0.0);
            assertEquals(times[1], row.get("median_ms").asDouble(), 0.0);
            // the inputs are allocated inside the case, so its ND4J peak holds at least them
            assertTrue(row.get("nd4j_peak_bytes").asLong() >= inputs, row.toString());
            assertTrue(row.get("peak_rss_bytes").asLong() >= row.get("baseline_rss_bytes").asLong(), row.toString());
            assertEquals(row.get("kernel").asText().equals("groupwise"), row.has("tracked_peak_bytes"), row.toString());
        }
    }

    @Test
    void groupwiseCasesOverTheBudgetAreSkippedNotRun() throws Exception {
        CliRunner.Result r = CliRunner.run("bench-attention", "--lengths", "32", "--heads", "2", "--head-dim", "4",
                "--repeats", "1", "--modes", "full", "--groupwise-budget", "0");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode results = new ObjectMapper().readTree(r.lastLine()).get("results");
        assertEquals(2, results.size());
        assertEquals("chunked", results.get(0).get("kernel").asText());
        assertTrue(results.get(0).get("median_ms").asDouble() > 0);
        assertTrue(results.get(1).get("skipped").asText().contains("over the 0.0 GiB budget"), results.toString());
    }

    @Test
    void userErrorsExitTwoWithOneLine() {
        assertUserError("--kv-heads must be >= 1 and divide --heads 8", "--kv-heads", "3");
        assertUserError("--query-chunk must be >= 1", "--query-chunk", "0");
        assertUserError("--kernels: unknown kernel 'flash'", "--kernels", "flash");
        assertUserError("--modes: unknown attention mode 'dense'", "--modes", "dense");
        assertUserError("--repeats must be >= 1", "--repeats", "0");
        assertUserError("--lengths must be >= 4", "--lengths", "2");
    }

    private static void assertUserError(String message, String... args) {
        CliRunner.assertUserError("bench-attention", message, args);
    }
}
