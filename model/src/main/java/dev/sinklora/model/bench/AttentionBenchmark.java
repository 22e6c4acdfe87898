package dev.sinklora.model.bench;

import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.attention.GroupwiseAttention;
import dev.sinklora.model.samediff.PeakTrackingMemoryMgr;
import dev.sinklora.model.samediff.SameDiffs;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Map;

/**
 * Forward + backward time and peak attention memory of one attention layer, for a given pattern
 * and sequence length: q, k, v {@code [1, H, N, D]} as variables, loss = sum(out * R), gradients
 * with respect to q, k and v. Memory = the peak of live arrays the gradient session allocates
 * (activations + gradients, freed as soon as they are dead) plus the graph's constants (masks).
 */
public final class AttentionBenchmark {

    private AttentionBenchmark() {
    }

    private static void check(Map<String, INDArray> grads, AttentionPattern pattern, int n) {
        if (grads.size() != 3 || grads.values().stream().anyMatch(g -> g.isNaN().any() || g.isInfinite().any())) {
            throw new IllegalStateException("bad gradients for " + pattern + " at N=" + n);
        }
    }

    public record Result(AttentionPattern pattern, int n, double medianMillis, double minMillis,
                         long peakActivationBytes, long constantBytes) {
        public long peakBytes() {
            return peakActivationBytes + constantBytes;
        }
    }

    public static Result run(AttentionMode mode, int n, int heads, int headDim, int sinks, int repeats, long seed) {
        AttentionPattern pattern = AttentionPattern.of(mode, n, null, mode == AttentionMode.FULL ? null : sinks);
        Nd4j.getRandom().setSeed(seed);
        SameDiff sd = SameDiff.create();
        SDVariable q = sd.var("q", Nd4j.randn(DataType.FLOAT, 1, heads, n, headDim));
        SDVariable k = sd.var("k", Nd4j.randn(DataType.FLOAT, 1, heads, n, headDim));
        SDVariable v = sd.var("v", Nd4j.randn(DataType.FLOAT, 1, heads, n, headDim));
        SDVariable out = GroupwiseAttention.attend(sd, "attn", q, k, v, 1, heads, heads, n, headDim, pattern);
        SDVariable r = sd.constant("r", Nd4j.randn(DataType.FLOAT, 1, heads, n, headDim));
        sd.setLossVariables(out.mul(r).sum("loss"));
        SameDiffs.createGradFunctionQuietly(sd);

        long constantBytes = 0;
        for (SDVariable var : sd.variables()) {
            if (var.getVariableType() == VariableType.CONSTANT && !var.name().equals("r")) {
                INDArray a = var.getArr();
                constantBytes += a.length() * a.dataType().width();
            }
        }
        // Memory: one run under a tracking manager that frees every array as soon as it is dead.
        SameDiff gradFn = sd.getFunction("grad");
        PeakTrackingMemoryMgr mmgr = new PeakTrackingMemoryMgr();
        InferenceSession session = new InferenceSession(gradFn);
        session.setMmgr(mmgr);
        gradFn.getSessions().put(Thread.currentThread().getId(), session);
        check(sd.calculateGradients(Map.of(), "q", "k", "v"), pattern, n);
        long peak = mmgr.peakBytes();
        gradFn.getSessions().remove(Thread.currentThread().getId());

        // Time: SameDiff's default session (array cache), one warm-up, then the timed repeats.
        double[] millis = new double[repeats];
        for (int i = -1; i < repeats; i++) {
            long t0 = System.nanoTime();
            Map<String, INDArray> grads = sd.calculateGradients(Map.of(), "q", "k", "v");
            double ms = (System.nanoTime() - t0) / 1e6;
            check(grads, pattern, n);
            if (i >= 0) {
                millis[i] = ms;
            }
        }
        double[] sorted = millis.clone();
        Arrays.sort(sorted);
        return new Result(pattern, n, sorted[sorted.length / 2], sorted[0], peak, constantBytes);
    }
}
