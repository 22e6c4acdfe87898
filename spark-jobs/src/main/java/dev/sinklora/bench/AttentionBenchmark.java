package dev.sinklora.bench;

import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.attention.BlockLayout;
import dev.sinklora.model.attention.ChunkedAttention;
import dev.sinklora.model.attention.GroupwiseAttention;
import dev.sinklora.model.memory.Nd4jNativeMemory;
import dev.sinklora.model.memory.PeakMemorySampler;
import dev.sinklora.model.samediff.ArenaMemoryMgr;
import dev.sinklora.model.samediff.SameDiffs;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Forward + backward time and peak memory of one attention layer for a pattern, a length and a kernel:
 * q {@code [1, H, N, D]}, k and v {@code [1, KVH, N, D]}, loss = sum(out * R), gradients for q, k and v.
 * One untimed warm-up, then {@code repeats} timed runs (min and median).
 *
 * <ul>
 * <li>{@code chunked}: {@link ChunkedAttention}, forward then backward given the forward's output, as a
 *     recomputing training step runs it.</li>
 * <li>{@code groupwise}: {@link GroupwiseAttention} as a SameDiff graph and its gradient session; also
 *     reports the peak of the session's live arrays plus its masks (one run under a tracking memory
 *     manager), the measure earlier versions of this benchmark printed. Skipped when a rough estimate
 *     of its resident memory exceeds the budget (its gradient session keeps every score-sized tensor).</li>
 * </ul>
 * Memory, for both: the case's peak resident set size ({@link PeakMemorySampler}, the inputs included)
 * and the peak of ND4J's native bytes above what it held before the case.
 */
public final class AttentionBenchmark {

    /** Kernels, by their CLI names. */
    public enum Kernel {
        CHUNKED, GROUPWISE;

        public String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kernel parse(String s) {
            for (Kernel k : values()) {
                if (k.cliName().equals(s)) {
                    return k;
                }
            }
            throw new dev.sinklora.model.BadInputException("unknown kernel '" + s + "' (expected chunked or groupwise)");
        }
    }

    /** What every case shares. {@code groupwiseBudgetBytes}: the largest estimated RSS a groupwise case may need. */
    public record Settings(int heads, int kvHeads, int headDim, int sinks, int repeats, int queryChunk,
                           long groupwiseBudgetBytes, long seed) {
    }

    /**
     * One case. Times in ms; {@code peakNd4jBytes} above the case's start; {@code trackedPeakBytes} only for
     * groupwise (else -1). {@code skipped} is null when it ran.
     */
    public record Result(Kernel kernel, AttentionPattern pattern, int n, double[] millis, double medianMillis,
                         double minMillis, long peakRssBytes, long baselineRssBytes, long peakNd4jBytes,
                         long trackedPeakBytes, String skipped) {

        static Result skipped(Kernel kernel, AttentionPattern pattern, int n, String why) {
            return new Result(kernel, pattern, n, new double[0], Double.NaN, Double.NaN, -1, -1, -1, -1, why);
        }
    }

    /**
     * Resident bytes per score cell of the groupwise case, measured here (FP32, H=8, D=64): its timed runs use
     * SameDiff's caching session, which holds far more than the tracked peak; ND4J's peak was 122-129 bytes per
     * cell for full and 175-232 for sf at N = 2048 and 4096 (full at 4096: 16.1 GiB ND4J, 17.8 GiB RSS).
     */
    static final long GROUPWISE_BYTES_PER_SCORE_CELL = 240;

    private AttentionBenchmark() {
    }

    public static Result run(Settings s, Kernel kernel, AttentionMode mode, int n) {
        AttentionPattern pattern = AttentionPattern.of(mode, n, null, mode == AttentionMode.FULL ? null : s.sinks());
        if (kernel == Kernel.GROUPWISE) {
            long estimate = groupwiseEstimateBytes(pattern, n, s.heads());
            if (estimate > s.groupwiseBudgetBytes()) {
                return Result.skipped(kernel, pattern, n, String.format(Locale.ROOT,
                        "estimated %.1f GiB for the SameDiff gradient session, over the %.1f GiB budget",
                        estimate / GIB, s.groupwiseBudgetBytes() / GIB));
            }
        }
        releaseMemory();
        try (PeakMemorySampler memory = PeakMemorySampler.start(2)) {
            Nd4j.getRandom().setSeed(s.seed());
            INDArray q = Nd4j.randn(DataType.FLOAT, 1, s.heads(), n, s.headDim());          // [1, H, N, D]
            INDArray k = Nd4j.randn(DataType.FLOAT, 1, s.kvHeads(), n, s.headDim());        // [1, KVH, N, D]
            INDArray v = Nd4j.randn(DataType.FLOAT, 1, s.kvHeads(), n, s.headDim());        // [1, KVH, N, D]
            INDArray r = Nd4j.randn(DataType.FLOAT, 1, s.heads(), n, s.headDim());          // [1, H, N, D]
            double[] millis = new double[s.repeats()];
            long tracked = -1;
            if (kernel == Kernel.CHUNKED) {
                ChunkedAttention attn = new ChunkedAttention(pattern, s.queryChunk());
                for (int i = -1; i < s.repeats(); i++) {
                    long t0 = System.nanoTime();
                    INDArray out = attn.forward(q, k, v);
                    ChunkedAttention.Grads g = attn.backward(q, k, v, r, out);
                    double ms = (System.nanoTime() - t0) / 1e6;
                    check(List.of(out, g.dq(), g.dk(), g.dv()), pattern, n);
                    for (INDArray a : new INDArray[]{out, g.dq(), g.dk(), g.dv()}) {
                        a.close();
                    }
                    if (i >= 0) {
                        millis[i] = ms;
                    }
                }
            } else {
                tracked = groupwise(s, pattern, n, q, k, v, r, millis);
            }
            memory.close();
            double[] sorted = millis.clone();
            Arrays.sort(sorted);
            return new Result(kernel, pattern, n, millis, sorted[sorted.length / 2], sorted[0],
                    memory.peakPhysicalBytes(), memory.baselinePhysicalBytes(),
                    memory.peakNd4jBytes() - memory.baselineNd4jBytes(), tracked, null);
        } finally {
            releaseMemory();
        }
    }

    /** Times the SameDiff graph into {@code millis}; returns its gradient session's peak live bytes plus constants. */
    private static long groupwise(Settings s, AttentionPattern pattern, int n, INDArray q, INDArray k, INDArray v,
                                  INDArray r, double[] millis) {
        SameDiff sd = SameDiff.create();
        SDVariable qv = sd.var("q", q);
        SDVariable kv = sd.var("k", k);
        SDVariable vv = sd.var("v", v);
        SDVariable out = GroupwiseAttention.attend(sd, "attn", qv, kv, vv, 1, s.heads(), s.kvHeads(), n,
                s.headDim(), pattern);
        sd.setLossVariables(out.mul(sd.constant("r", r)).sum("loss"));
        SameDiffs.createGradFunctionQuietly(sd);
        long constantBytes = 0;
        for (SDVariable var : sd.variables()) {
            if (var.getVariableType() == VariableType.CONSTANT && !var.name().equals("r")) {
                INDArray a = var.getArr();
                constantBytes += a.length() * a.dataType().width();
            }
        }
        // Tracked memory: one run under a manager that frees every array as soon as it is dead.
        SameDiff gradFn = sd.getFunction("grad");
        ArenaMemoryMgr mmgr = new ArenaMemoryMgr();
        InferenceSession session = new InferenceSession(gradFn);
        session.setMmgr(mmgr);
        gradFn.getSessions().put(Thread.currentThread().getId(), session);
        check(sd.calculateGradients(Map.of(), "q", "k", "v").values(), pattern, n);
        long peak = mmgr.peakBytes();
        gradFn.getSessions().remove(Thread.currentThread().getId());
        // Time: SameDiff's default session (array cache), one warm-up, then the timed repeats.
        for (int i = -1; i < millis.length; i++) {
            long t0 = System.nanoTime();
            Map<String, INDArray> grads = sd.calculateGradients(Map.of(), "q", "k", "v");
            double ms = (System.nanoTime() - t0) / 1e6;
            check(grads.values(), pattern, n);
            if (i >= 0) {
                millis[i] = ms;
            }
        }
        return peak + constantBytes;
    }

    /** Score cells of the groupwise layout times {@link #GROUPWISE_BYTES_PER_SCORE_CELL}. */
    static long groupwiseEstimateBytes(AttentionPattern pattern, int n, int heads) {
        long cells;
        if (!pattern.shifted()) {
            cells = (long) heads * n * n;
        } else {
            BlockLayout plain = BlockLayout.plain(pattern, n);
            BlockLayout shifted = BlockLayout.shifted(pattern, n);
            cells = (long) (heads / 2) * plain.slots() * plain.width()
                    + (long) (heads - heads / 2) * shifted.slots() * shifted.width();
        }
        return cells * GROUPWISE_BYTES_PER_SCORE_CELL;
    }

    private static void check(java.util.Collection<INDArray> arrays, AttentionPattern pattern, int n) {
        for (INDArray a : arrays) {
            if (a.isNaN().any() || a.isInfinite().any()) {
                throw new IllegalStateException("non-finite attention output or gradient for " + pattern + " at N=" + n);
            }
        }
    }

    /**
     * Lets the garbage collector free the last case's arrays before the next is measured: SameDiff's arrays are
     * freed only after a collection, by ND4J's deallocator thread, so this collects until ND4J's native byte
     * count stops falling (at most 5 s); otherwise the next case starts on the last one's memory.
     */
    private static void releaseMemory() {
        long last = Long.MAX_VALUE;
        for (int i = 0; i < 50; i++) {
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = Nd4jNativeMemory.allocatedBytes();
            if (now >= last) {
                return;
            }
            last = now;
        }
    }

    private static final double GIB = 1024.0 * 1024 * 1024;
}
