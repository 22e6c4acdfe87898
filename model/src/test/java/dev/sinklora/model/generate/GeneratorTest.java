package dev.sinklora.model.generate;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.config.RopeScaling;
import dev.sinklora.model.llama.Fixtures;
import dev.sinklora.model.llama.LlamaModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeneratorTest {

    static LlamaModel tiny;
    static int[] prompt;

    @BeforeAll
    static void load() throws Exception {
        tiny = LlamaModel.load(Fixtures.tinyBase());
        prompt = Arrays.copyOf(Fixtures.expectedTokens(), 10);
    }

    @Test
    void streamsEveryTokenAndReportsTheCache() {
        List<Integer> streamed = new ArrayList<>();
        IncrementalDecoder dec = new IncrementalDecoder(tiny);
        GenerationResult r = Generator.generate(dec, CachePolicy.h2o(2, 3, 3), prompt, 12, Sampler.greedy(), -1,
                streamed::add);
        assertEquals(12, r.tokens().length);
        assertArrayEquals(r.tokens(), streamed.stream().mapToInt(Integer::intValue).toArray());
        assertFalse(r.stoppedAtEos());
        assertEquals(11, r.decodeSteps());
        assertEquals(8, r.cachePeak());
        assertEquals(9, r.cacheCapacity());
        // 2 layers x K and V x 4 KV heads x 9 slots x 16 dims x 4 bytes
        assertEquals(2L * 2 * 4 * 9 * 16 * 4, r.kvBytes());
        assertTrue(r.tokensPerSecond() > 0);
    }

    @Test
    void stopsAtTheEosToken() {
        IncrementalDecoder dec = new IncrementalDecoder(tiny);
        int[] free = Generator.generate(dec, CachePolicy.FULL, prompt, 12, Sampler.greedy(), -1, t -> { }).tokens();
        int stopAt = 0;
        while (contains(free, stopAt, free[stopAt])) {
            stopAt++;     // the first token whose first occurrence is here
        }
        GenerationResult r = Generator.generate(dec, CachePolicy.FULL, prompt, 12, Sampler.greedy(), free[stopAt], t -> { });
        assertTrue(r.stoppedAtEos());
        assertArrayEquals(Arrays.copyOf(free, stopAt + 1), r.tokens());
        assertEquals(stopAt, r.decodeSteps());
    }

    @Test
    void runningPastTheContextIsRejected() {
        IncrementalDecoder dec = new IncrementalDecoder(tiny);
        BadInputException e = assertThrows(BadInputException.class,
                () -> Generator.generate(dec, CachePolicy.FULL, prompt, 55, Sampler.greedy(), -1, t -> { }));
        assertTrue(e.getMessage().contains("--max-new-tokens 55") && e.getMessage().contains("context of 64"),
                e.getMessage());
        // linear interpolation by 2 doubles the usable context
        LlamaModel pi = new LlamaModel(tiny.config().withRopeScaling(new RopeScaling(2)), tiny.weights());
        assertEquals(55, Generator.generate(new IncrementalDecoder(pi), CachePolicy.sink(4, 8), prompt, 55,
                Sampler.greedy(), -1, t -> { }).tokens().length);
        e = assertThrows(BadInputException.class,
                () -> Generator.generate(dec, CachePolicy.FULL, prompt, 0, Sampler.greedy(), -1, t -> { }));
        assertTrue(e.getMessage().contains("--max-new-tokens must be >= 1"), e.getMessage());
    }

    private static boolean contains(int[] a, int before, int v) {
        for (int i = 0; i < before; i++) {
            if (a[i] == v) {
                return true;
            }
        }
        return false;
    }
}
