package dev.sinklora.model.attention;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The group-wise kernel against the naive dense oracle, forward and backward. */
class GroupwiseAttentionTest {

    record Case(AttentionMode mode, int batch, int heads, int kvHeads, int n, int dim, int group, int sinks) {
        AttentionPattern pattern() {
            return mode == AttentionMode.FULL ? AttentionPattern.FULL : new AttentionPattern(mode, group, sinks);
        }

        @Override
        public String toString() {
            return pattern() + " B=" + batch + " H=" + heads + " KVH=" + kvHeads + " N=" + n + " D=" + dim;
        }
    }

    /** Hand-picked corners, then random shapes: N % G != 0, odd G, S = 0, S > G, GQA, H = 1 and odd H. */
    static Stream<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (AttentionMode mode : AttentionMode.values()) {
            int s = mode == AttentionMode.SF ? 4 : 0;
            cases.add(new Case(mode, 1, 4, 4, 16, 4, 4, s));    // the worked example's shape
            cases.add(new Case(mode, 2, 4, 2, 13, 6, 5, s));    // N % G != 0, odd G, GQA
            cases.add(new Case(mode, 1, 3, 1, 11, 4, 3, s));    // odd H, MQA
        }
        cases.add(new Case(AttentionMode.SF, 1, 4, 4, 12, 4, 2, 5));  // S > G
        cases.add(new Case(AttentionMode.SF, 1, 2, 2, 3, 4, 8, 4));   // G > N, S > N
        cases.add(new Case(AttentionMode.S2, 1, 4, 4, 10, 4, 4, 3));  // S2 + global sinks
        cases.add(new Case(AttentionMode.SF, 1, 1, 1, 9, 4, 4, 2));   // H = 1: only shifted heads
        cases.add(new Case(AttentionMode.S2_REASSEMBLED, 1, 2, 2, 8, 4, 1, 0)); // G = 1
        Random r = new Random(20240607);
        AttentionMode[] modes = AttentionMode.values();
        for (int t = 0; t < 24; t++) {
            AttentionMode mode = modes[r.nextInt(modes.length)];
            int kv = 1 + r.nextInt(3);
            int heads = kv * (1 + r.nextInt(3));
            int n = 2 + r.nextInt(30);
            int g = 1 + r.nextInt(Math.max(1, n / 2 + 2));
            int s = r.nextInt(4) == 0 ? 0 : r.nextInt(7);
            cases.add(new Case(mode, 1 + r.nextInt(2), heads, kv, n, 2 * (1 + r.nextInt(4)), g, s));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void groupwiseMatchesNaiveForwardAndBackward(Case c) {
        Random r = new Random(c.hashCode());
        double[][][][] q = random(r, c.batch, c.heads, c.n, c.dim);
        double[][][][] k = random(r, c.batch, c.kvHeads, c.n, c.dim);
        double[][][][] v = random(r, c.batch, c.kvHeads, c.n, c.dim);
        double[][][][] dOut = random(r, c.batch, c.heads, c.n, c.dim);

        NaiveAttention.Result expected = NaiveAttention.run(c.pattern(), q, k, v, dOut);

        SameDiff sd = SameDiff.create();
        SDVariable qv = sd.var("q", toNd(q));
        SDVariable kv = sd.var("k", toNd(k));
        SDVariable vv = sd.var("v", toNd(v));
        SDVariable out = GroupwiseAttention.attend(sd, "attn", qv, kv, vv,
                c.batch, c.heads, c.kvHeads, c.n, c.dim, c.pattern());
        SDVariable loss = out.mul(sd.constant("dOut", toNd(dOut))).sum("loss");
        sd.setLossVariables(loss);

        INDArray got = out.eval();
        assertClose(expected.out(), got, 1e-5, "forward " + c);
        Map<String, INDArray> grads = sd.calculateGradients(Map.of(), "q", "k", "v");
        assertClose(expected.dq(), grads.get("q"), 1e-5, "dL/dq " + c);
        assertClose(expected.dk(), grads.get("k"), 1e-5, "dL/dk " + c);
        assertClose(expected.dv(), grads.get("v"), 1e-5, "dL/dv " + c);
    }

    /** The table of shared/docs/sf-attn.md (N = 16, H = 4, G = 4), read through the block layout's mask. */
    @Test
    void workedExampleOfTheSpec() {
        int n = 16;
        int[] queries = {0, 1, 5, 6, 14, 15};
        String[] plain = {"0", "0,1", "4,5", "4,5,6", "12,13,14", "12,13,14,15"};
        String[] s2 = {"0,14,15", "0,1,14,15", "2,3,4,5", "6", "14", "14,15"};
        String[] reassembled = {"0", "0,1", "2,3,4,5", "6", "14", "14,15"};
        String[] sf = {"0", "0,1", "0,1,2,3,4,5", "0,1,2,3,6", "0,1,2,3,14", "0,1,2,3,14,15"};
        AttentionPattern pS2 = new AttentionPattern(AttentionMode.S2, 4, 0);
        AttentionPattern pRe = new AttentionPattern(AttentionMode.S2_REASSEMBLED, 4, 0);
        AttentionPattern pSf = new AttentionPattern(AttentionMode.SF, 4, 4);
        for (int x = 0; x < queries.length; x++) {
            int i = queries[x];
            assertEquals(plain[x], visible(BlockLayout.plain(pS2, n), i), "plain heads, query " + i);
            assertEquals(s2[x], visible(BlockLayout.shifted(pS2, n), i), "s2 shifted heads, query " + i);
            assertEquals(reassembled[x], visible(BlockLayout.shifted(pRe, n), i), "reassembled, query " + i);
            assertEquals(sf[x], visible(BlockLayout.shifted(pSf, n), i), "sf shifted heads, query " + i);
            // and the oracle agrees with the spec table too
            assertEquals(sf[x], visibleNaive(pSf, 3, 4, n, i), "naive sf, query " + i);
            assertEquals(s2[x], visibleNaive(pS2, 2, 4, n, i), "naive s2, query " + i);
        }
    }

    /** The block mask, for every mode and shape above, gives exactly the keys the oracle allows. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void blockMaskReadsExactlyTheAllowedKeys(Case c) {
        AttentionPattern p = c.pattern();
        for (int h = 0; h < c.heads; h++) {
            boolean shiftedHead = p.shifted() && h >= c.heads / 2;
            BlockLayout layout = shiftedHead ? BlockLayout.shifted(p, c.n) : BlockLayout.plain(p, c.n);
            for (int i = 0; i < c.n; i++) {
                assertEquals(visibleNaive(p, h, c.heads, c.n, i), visible(layout, i), c + " head " + h + " query " + i);
            }
        }
    }

    @Test
    void attendingCostScalesWithGroupNotSequence() {
        AttentionPattern p = new AttentionPattern(AttentionMode.SF, 2048, 4);
        BlockLayout layout = BlockLayout.shifted(p, 8192);
        long scoreCells = (long) layout.slots() * layout.width();
        assertTrue(scoreCells <= 8192L * (2048 + 4) * 1.3, "score cells " + scoreCells);
        assertEquals(5, layout.blocks()); // 8192 + 1024 front pad -> 5 blocks of 2048
    }

    /** Keys visible to query position i according to a layout's additive mask. */
    private static String visible(BlockLayout layout, int i) {
        float[] mask = layout.additiveMask();
        int slot = layout.slotOfPosition(i);
        int row = slot * layout.width();
        int block = slot / layout.group();
        java.util.TreeSet<Integer> keys = new java.util.TreeSet<>();
        for (int c = 0; c < layout.width(); c++) {
            if (mask[row + c] == 0f) {
                int j = c < layout.sinks() ? c : layout.positionOfSlot(block * layout.group() + c - layout.sinks());
                assertTrue(keys.add(j), "key " + j + " visible twice to query " + i);
            }
        }
        return join(keys);
    }

    private static String visibleNaive(AttentionPattern p, int h, int heads, int n, int i) {
        java.util.TreeSet<Integer> keys = new java.util.TreeSet<>();
        for (int j = 0; j < n; j++) {
            if (NaiveAttention.allowed(p, h, heads, n, i, j)) {
                keys.add(j);
            }
        }
        return join(keys);
    }

    private static String join(java.util.Collection<Integer> keys) {
        return String.join(",", keys.stream().map(String::valueOf).toList());
    }

    static double[][][][] random(Random r, int a, int b, int c, int d) {
        double[][][][] x = new double[a][b][c][d];
        for (double[][][] x1 : x) for (double[][] x2 : x1) for (double[] x3 : x2)
            for (int i = 0; i < d; i++) x3[i] = (float) r.nextGaussian(); // FP32-representable
        return x;
    }

    static INDArray toNd(double[][][][] x) {
        int a = x.length, b = x[0].length, c = x[0][0].length, d = x[0][0][0].length;
        float[] flat = new float[a * b * c * d];
        int p = 0;
        for (double[][][] x1 : x) for (double[][] x2 : x1) for (double[] x3 : x2) for (double e : x3) flat[p++] = (float) e;
        return Nd4j.create(flat, new long[]{a, b, c, d}, DataType.FLOAT);
    }

    static void assertClose(double[][][][] expected, INDArray got, double tol, String what) {
        long[] shape = got.shape();
        assertEquals(expected.length, shape[0], what + " shape");
        assertEquals(expected[0].length, shape[1], what + " shape");
        assertEquals(expected[0][0].length, shape[2], what + " shape");
        assertEquals(expected[0][0][0].length, shape[3], what + " shape");
        double worst = 0;
        String where = "";
        for (int a = 0; a < expected.length; a++)
            for (int b = 0; b < expected[0].length; b++)
                for (int c = 0; c < expected[0][0].length; c++)
                    for (int d = 0; d < expected[0][0][0].length; d++) {
                        double err = Math.abs(expected[a][b][c][d] - got.getDouble(a, b, c, d))
                                / Math.max(1.0, Math.abs(expected[a][b][c][d]));
                        if (err > worst) {
                            worst = err;
                            where = "[" + a + "," + b + "," + c + "," + d + "]";
                        }
                    }
        assertTrue(worst <= tol, what + ": max error " + worst + " at " + where);
    }
}
