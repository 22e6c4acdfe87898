package dev.sinklora.train.bench;

import org.bytedeco.javacpp.Pointer;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * Polls the process's resident set size ({@link Pointer#physicalBytes()}: heap, off-heap and native)
 * while a benchmark case runs and holds its peak, and the peak of its native part: RSS minus the
 * memory the JVM has committed for its heap and non-heap pools, i.e. ND4J's off-heap arrays (plus
 * native libraries and thread stacks). RSS, because ND4J 1.0.0-M2.1's CPU arrays are
 * allocated natively, outside JavaCPP's byte counting ({@code Pointer.totalBytes()} stays near 0 and
 * {@code org.bytedeco.javacpp.maxbytes} does not bound them). Sampling, so a spike shorter than the
 * period can be missed. {@link #close} is idempotent.
 */
public final class PeakMemorySampler implements AutoCloseable {

    private final Thread thread;
    private volatile boolean running = true;
    private volatile long peak;
    private volatile long peakNative;

    private PeakMemorySampler(long periodMillis) {
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
        }, "bench-train-memory-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    public static PeakMemorySampler start(long periodMillis) {
        return new PeakMemorySampler(periodMillis);
    }

    private synchronized void sample() {
        long rss = Pointer.physicalBytes();
        MemoryMXBean jvm = ManagementFactory.getMemoryMXBean();
        long committed = jvm.getHeapMemoryUsage().getCommitted() + jvm.getNonHeapMemoryUsage().getCommitted();
        peak = Math.max(peak, rss);
        peakNative = Math.max(peakNative, rss - committed);
    }

    /** The highest resident set size seen so far. */
    public long peakPhysicalBytes() {
        return peak;
    }

    /** The highest native (non-JVM-pool) part of the resident set seen so far. */
    public long peakNativeBytes() {
        return peakNative;
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
    }
}
