package dev.sinklora.model.attention;

import dev.sinklora.model.attention.GroupwiseAttentionTest.Case;
import dev.sinklora.model.memory.Nd4jNativeMemory;
import dev.sinklora.model.samediff.SameDiffs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static dev.sinklora.model.attention.GroupwiseAttentionTest.assertClose;
import static dev.sinklora.model.attention.GroupwiseAttentionTest.random;
import static dev.sinklora.model.attention.GroupwiseAttentionTest.toNd;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chunked kernel against the dense oracle ({@link NaiveAttention}, double precision) and against
 * GroupwiseAttention's SameDiff gradients, forward and dq/dk/dv, for chunk sizes that do and do not
 * divide the block; and chunked full attention against unchunked.
 */
class ChunkedAttentionTest {

    /** Every shape of GroupwiseAttentionTest plus GQA runs that split a kv head between head classes. */
    static Stream<Case> cases() {
        List<Case> shapes = new ArrayList<>(GroupwiseAttentionTest.cases().toList());
        shapes.add(new Case(AttentionMode.SF, 2, 6, 3, 19, 4, 6, 3));              // H/2 = 3 splits kv head 1
        shapes.add(new Case(AttentionMode.S2, 1, 6, 2, 17, 4, 5, 2));              // rep 3, S2 + sinks, odd G
        shapes.add(new Case(AttentionMode.SF, 1, 4, 1, 23, 6, 7, 9));              // MQA, S > G
        shapes.add(new Case(AttentionMode.FULL, 2, 6, 2, 29, 4, 0, 0));            // full, GQA rep 3
        return shapes.stream();
    }

    /**
     * One query per chunk (short sequences only: it makes one chunk per query), about half a block, a size
     * that usually does not divide the block, one chunk per block.
     */
    static int[] chunkSizes(Case c) {
        int block = c.mode() == AttentionMode.FULL ? c.n() : c.group();
        int odd = 2 + new Random(c.hashCode()).nextInt(Math.max(1, block));
        IntStream small = c.n() <= 16 ? IntStream.of(1) : IntStream.empty();
        return IntStream.concat(small, IntStream.of(Math.max(1, block / 2), odd, c.n() + 3)).distinct().toArray();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesNaiveOracleAndGroupwiseGradients(Case c) {
        Random r = new Random(c.hashCode());
        double[][][][] q = random(r, c.batch(), c.heads(), c.n(), c.dim());
        double[][][][] k = random(r, c.batch(), c.kvHeads(), c.n(), c.dim());
        double[][][][] v = random(r, c.batch(), c.kvHeads(), c.n(), c.dim());
        double[][][][] dOut = random(r, c.batch(), c.heads(), c.n(), c.dim());
        NaiveAttention.Result expected = NaiveAttention.run(c.pattern(), q, k, v, dOut);
        Map<String, INDArray> sd = groupwise(c, q, k, v, dOut);

        for (int chunk : chunkSizes(c)) {
            String what = c + " chunk=" + chunk;
            ChunkedAttention attn = new ChunkedAttention(c.pattern(), chunk);
            INDArray out = attn.forward(toNd(q), toNd(k), toNd(v));
            ChunkedAttention.Grads g = attn.backward(toNd(q), toNd(k), toNd(v), toNd(dOut));
            assertClose(expected.out(), out, 1e-5, "forward " + what);
            assertClose(expected.dq(), g.dq(), 1e-5, "dq " + what);
            assertClose(expected.dk(), g.dk(), 1e-5, "dk " + what);
            assertClose(expected.dv(), g.dv(), 1e-5, "dv " + what);

            assertClose(toDouble(sd.get("out")), out, 1e-5, "forward vs groupwise " + what);
            assertClose(toDouble(sd.get("q")), g.dq(), 1e-5, "dq vs groupwise " + what);
            assertClose(toDouble(sd.get("k")), g.dk(), 1e-5, "dk vs groupwise " + what);
            assertClose(toDouble(sd.get("v")), g.dv(), 1e-5, "dv vs groupwise " + what);
        }
    }

    /** The "done when": chunked full attention equals unchunked, forward and backward, at a length with many chunks. */
    @Test
    void chunkedFullEqualsUnchunked() {
        int b = 1, heads = 4, kvHeads = 2, n = 300, d = 16;
        Random r = new Random(5);
        double[][][][] q = random(r, b, heads, n, d);
        double[][][][] k = random(r, b, kvHeads, n, d);
        double[][][][] v = random(r, b, kvHeads, n, d);
        double[][][][] dOut = random(r, b, heads, n, d);
        ChunkedAttention whole = new ChunkedAttention(AttentionPattern.FULL, n);
        INDArray out = whole.forward(toNd(q), toNd(k), toNd(v));
        ChunkedAttention.Grads g = whole.backward(toNd(q), toNd(k), toNd(v), toNd(dOut));
        Map<String, INDArray> sd = groupwise(new Case(AttentionMode.FULL, b, heads, kvHeads, n, d, 0, 0), q, k, v, dOut);
        assertClose(toDouble(sd.get("out")), out, 1e-5, "unchunked vs groupwise forward");
        assertClose(toDouble(sd.get("q")), g.dq(), 1e-5, "unchunked vs groupwise dq");
        for (int chunk : new int[]{7, 64, 128}) {
            ChunkedAttention chunked = new ChunkedAttention(AttentionPattern.FULL, chunk);
            ChunkedAttention.Grads gc = chunked.backward(toNd(q), toNd(k), toNd(v), toNd(dOut));
            assertClose(toDouble(out), chunked.forward(toNd(q), toNd(k), toNd(v)), 1e-5, "forward, chunk " + chunk);
            assertClose(toDouble(g.dq()), gc.dq(), 1e-5, "dq, chunk " + chunk);
            assertClose(toDouble(g.dk()), gc.dk(), 1e-5, "dk, chunk " + chunk);
            assertClose(toDouble(g.dv()), gc.dv(), 1e-5, "dv, chunk " + chunk);
        }
    }

    /** Called inside a caller's workspace (as in a DL4J layer), results land there and are still right. */
    @Test
    void outputsFollowTheCallersWorkspace() {
        Case c = new Case(AttentionMode.SF, 1, 4, 2, 21, 4, 6, 2);
        Random r = new Random(3);
        double[][][][] q = random(r, 1, 4, 21, 4);
        double[][][][] k = random(r, 1, 2, 21, 4);
        double[][][][] v = random(r, 1, 2, 21, 4);
        double[][][][] dOut = random(r, 1, 4, 21, 4);
        NaiveAttention.Result expected = NaiveAttention.run(c.pattern(), q, k, v, dOut);
        ChunkedAttention attn = new ChunkedAttention(c.pattern(), 4);
        INDArray qa = toNd(q), ka = toNd(k), va = toNd(v), ga = toNd(dOut);
        WorkspaceConfiguration conf = WorkspaceConfiguration.builder().initialSize(1 << 20).build();
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(conf, "chunked-attention-test")) {
            INDArray out = attn.forward(qa, ka, va);
            ChunkedAttention.Grads g = attn.backward(qa, ka, va, ga);
            assertTrue(out.isAttached() && g.dq().isAttached() && g.dk().isAttached(), "outputs in the workspace");
            assertClose(expected.out(), out, 1e-5, "forward in workspace");
            assertClose(expected.dk(), g.dk(), 1e-5, "dk in workspace");
        }
    }

    /** The overload that takes the forward's output gives the same gradients as recomputing it. */
    @Test
    void backwardGivenTheForwardOutputEqualsRecomputing() {
        Case c = new Case(AttentionMode.SF, 2, 6, 3, 40, 8, 12, 4);
        Random r = new Random(9);
        INDArray q = toNd(random(r, 2, 6, 40, 8)), k = toNd(random(r, 2, 3, 40, 8));
        INDArray v = toNd(random(r, 2, 3, 40, 8)), dOut = toNd(random(r, 2, 6, 40, 8));
        ChunkedAttention attn = new ChunkedAttention(c.pattern(), 5);
        ChunkedAttention.Grads recomputed = attn.backward(q, k, v, dOut);
        ChunkedAttention.Grads given = attn.backward(q, k, v, dOut, attn.forward(q, k, v));
        assertClose(toDouble(recomputed.dq()), given.dq(), 1e-6, "dq");
        assertClose(toDouble(recomputed.dk()), given.dk(), 1e-6, "dk");
        assertClose(toDouble(recomputed.dv()), given.dv(), 1e-6, "dv");
    }

    /**
     * Temporaries are freed when their chunk ends, not left to the garbage collector: after a call, ND4J
     * holds at most the returned arrays more than before (the chunks' scores alone are many times that).
     */
    @Test
    void chunkTemporariesAreFreedAtOnce() {
        assertTrue(Nd4jNativeMemory.available(), "ND4J memory counter");
        Random r = new Random(4);
        INDArray q = toNd(random(r, 1, 4, 256, 8)), k = toNd(random(r, 1, 2, 256, 8));
        INDArray v = toNd(random(r, 1, 2, 256, 8)), dOut = toNd(random(r, 1, 4, 256, 8));
        for (AttentionPattern p : new AttentionPattern[]{AttentionPattern.FULL,
                new AttentionPattern(AttentionMode.SF, 64, 4)}) {
            ChunkedAttention attn = new ChunkedAttention(p, 32);
            attn.backward(q, k, v, dOut);                                    // warm ND4J's caches
            long before = Nd4jNativeMemory.allocatedBytes();
            ChunkedAttention.Grads g = attn.backward(q, k, v, dOut);
            long held = Nd4jNativeMemory.allocatedBytes() - before;
            long outputs = 4L * (g.dq().length() + g.dk().length() + g.dv().length());
            assertTrue(held <= outputs + 4096, p + ": ND4J holds " + held + " bytes more after the call, outputs are "
                    + outputs);
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new ChunkedAttention(AttentionPattern.FULL, 0));
        ChunkedAttention attn = new ChunkedAttention(AttentionPattern.FULL, 4);
        INDArray q = Nd4j.zeros(DataType.FLOAT, 1, 3, 5, 4);
        INDArray kv = Nd4j.zeros(DataType.FLOAT, 1, 2, 5, 4);
        assertThrows(IllegalArgumentException.class, () -> attn.forward(q, kv, kv), "H % KVH != 0");
        INDArray q64 = Nd4j.zeros(DataType.DOUBLE, 1, 2, 5, 4);
        assertThrows(IllegalArgumentException.class, () -> attn.forward(q64, kv, kv), "FP64");
        INDArray q4 = Nd4j.zeros(DataType.FLOAT, 1, 4, 5, 4);
        assertThrows(IllegalArgumentException.class,
                () -> attn.backward(q4, kv, kv, Nd4j.zeros(DataType.FLOAT, 1, 4, 6, 4)), "dOut shape");
    }

    /** GroupwiseAttention's output and SameDiff gradients of sum(out * dOut): keys out, q, k, v. */
    static Map<String, INDArray> groupwise(Case c, double[][][][] q, double[][][][] k, double[][][][] v,
                                           double[][][][] dOut) {
        SameDiff sd = SameDiff.create();
        SDVariable qv = sd.var("q", toNd(q));
        SDVariable kv = sd.var("k", toNd(k));
        SDVariable vv = sd.var("v", toNd(v));
        SDVariable out = GroupwiseAttention.attend(sd, "attn", qv, kv, vv,
                c.batch(), c.heads(), c.kvHeads(), c.n(), c.dim(), c.pattern());
        sd.setLossVariables(out.mul(sd.constant("dOut", toNd(dOut))).sum("loss"));
        INDArray o = out.eval();
        SameDiffs.createGradFunctionQuietly(sd);
        Map<String, INDArray> grads = sd.calculateGradients(Map.of(), "q", "k", "v");
        return Map.of("out", o, "q", grads.get("q"), "k", grads.get("k"), "v", grads.get("v"));
    }

    static double[][][][] toDouble(INDArray x) {
        long[] s = x.shape();
        assertEquals(4, s.length);
        double[][][][] r = new double[(int) s[0]][(int) s[1]][(int) s[2]][(int) s[3]];
        for (int a = 0; a < s[0]; a++)
            for (int b = 0; b < s[1]; b++)
                for (int c = 0; c < s[2]; c++)
                    for (int d = 0; d < s[3]; d++)
                        r[a][b][c][d] = x.getDouble(a, b, c, d);
        return r;
    }
}
