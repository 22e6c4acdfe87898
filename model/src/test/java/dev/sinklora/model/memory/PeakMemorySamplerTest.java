package dev.sinklora.model.memory;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

class PeakMemorySamplerTest {

    private static final long MIB = 1 << 20;

    /** A 64 MiB array that lives only between two samples still shows in both peaks (RSS exactly, via VmHWM). */
    @Test
    void seesAShortLivedArrayInRssAndNd4jPeaks() {
        long bytes = 64 * MIB;
        PeakMemorySampler sampler = PeakMemorySampler.start(10_000);      // the thread samples once, at start
        INDArray a = Nd4j.create(DataType.FLOAT, bytes / 4);                // zero-filled: every page touched
        long whileHeld = Nd4jNativeMemory.allocatedBytes();
        a.close();
        sampler.close();
        assertTrue(whileHeld - sampler.baselineNd4jBytes() >= bytes, "counter rose by the array");
        assertTrue(sampler.peakNd4jBytes() >= sampler.baselineNd4jBytes(), "nd4j peak at least the baseline");
        assertTrue(sampler.peakPhysicalBytes() - sampler.baselinePhysicalBytes() >= bytes * 9 / 10,
                "RSS peak " + sampler.peakPhysicalBytes() / MIB + " MiB over baseline "
                        + sampler.baselinePhysicalBytes() / MIB + " MiB");
    }

    /** With a fast period the ND4J peak catches an array held for a while and freed before close. */
    @Test
    void samplesTheNd4jPeak() throws InterruptedException {
        long bytes = 32 * MIB;
        try (PeakMemorySampler sampler = PeakMemorySampler.start(1)) {
            INDArray a = Nd4j.create(DataType.FLOAT, bytes / 4);
            Thread.sleep(200);
            a.close();
            sampler.close();
            assertTrue(sampler.peakNd4jBytes() - sampler.baselineNd4jBytes() >= bytes,
                    "nd4j peak " + sampler.peakNd4jBytes() + " baseline " + sampler.baselineNd4jBytes());
        }
    }
}
