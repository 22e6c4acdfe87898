package dev.sinklora.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which failures a benchmark case reports as out of memory (the rest propagate), and the median it reports. */
class BenchTrainOutOfMemoryTest {

    @Test
    void javaOutOfMemoryAnywhereInTheCauseChainCounts() {
        assertTrue(TrainStepBenchmark.isAllocationFailure(new OutOfMemoryError("Java heap space")));
        assertTrue(TrainStepBenchmark.isAllocationFailure(
                new IllegalStateException("fit failed", new RuntimeException(new OutOfMemoryError()))));
    }

    @Test
    void nd4jNativeAllocationFailureCounts() {
        assertTrue(TrainStepBenchmark.isAllocationFailure(new RuntimeException("Allocation failed: [std::bad_alloc]")));
    }

    @Test
    void otherFailuresDoNot() {
        assertFalse(TrainStepBenchmark.isAllocationFailure(new IllegalStateException("training loss became NaN")));
        assertFalse(TrainStepBenchmark.isAllocationFailure(new RuntimeException((String) null)));
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(3.0, TrainStepBenchmark.median(List.of(9.0, 1.0, 3.0)));
        assertEquals(2.5, TrainStepBenchmark.median(List.of(4.0, 1.0, 2.0, 3.0)));
    }
}
