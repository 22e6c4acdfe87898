package dev.sinklora.model.memory;

import org.bytedeco.javacpp.Pointer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The peak memory of a benchmark case: the process's resident set size (heap, off-heap and native)
 * and the bytes ND4J holds natively ({@link Nd4jNativeMemory}), from {@link #start} to {@link #close}.
 *
 * <p>Both are polled every {@code periodMillis} (a spike shorter than the period can be missed). On
 * Linux the RSS peak is also exact: {@code start} resets the kernel's high-water mark
 * ({@code /proc/self/clear_refs}) and {@code close} reads it back ({@code VmHWM}), so only one sampler
 * should run at a time. RSS, because ND4J 1.0.0-M2.1's CPU arrays are allocated natively, outside
 * JavaCPP's byte counting ({@code org.bytedeco.javacpp.maxbytes} does not bound them).
 * {@link #close} is idempotent.
 */
public final class PeakMemorySampler implements AutoCloseable {

    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");
    private static final Path STATUS = Path.of("/proc/self/status");

    private final Thread thread;
    private final long baselineRss;
    private final long baselineNd4j;
    private final boolean highWaterMarkReset;
    private volatile boolean running = true;
    private long peakRss;
    private long peakNd4j;

    private PeakMemorySampler(long periodMillis) {
        highWaterMarkReset = resetHighWaterMark();
        baselineRss = Pointer.physicalBytes();
        baselineNd4j = Nd4jNativeMemory.allocatedBytes();
        sample();
        thread = new Thread(() -> {
            while (running) {
                sample();
                try {
                    Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "peak-memory-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    public static PeakMemorySampler start(long periodMillis) {
        return new PeakMemorySampler(periodMillis);
    }

    private synchronized void sample() {
        peakRss = Math.max(peakRss, Pointer.physicalBytes());
        peakNd4j = Math.max(peakNd4j, Nd4jNativeMemory.allocatedBytes());
    }

    /** The highest resident set size seen so far (exact after {@link #close} where Linux allowed the reset). */
    public synchronized long peakPhysicalBytes() {
        return peakRss;
    }

    /** The highest count of ND4J's native bytes seen (-1 when the backend has no counter). */
    public synchronized long peakNd4jBytes() {
        return peakNd4j;
    }

    /** Resident set size when the sampler started. */
    public long baselinePhysicalBytes() {
        return baselineRss;
    }

    /** ND4J's native bytes when the sampler started (-1 when the backend has no counter). */
    public long baselineNd4jBytes() {
        return baselineNd4j;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sample();
        if (highWaterMarkReset) {
            long hwm = highWaterMark();
            synchronized (this) {
                peakRss = Math.max(peakRss, hwm);
            }
        }
    }

    /** Resets VmHWM to the current RSS (Linux 4.0+); false where that is not possible. */
    private static boolean resetHighWaterMark() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    /** VmHWM of /proc/self/status in bytes, or 0 if it cannot be read. */
    private static long highWaterMark() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
