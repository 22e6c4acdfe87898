package dev.sinklora.model.attention;

/**
 * The oracle: the mask rule of shared/docs/sf-attn.md written out literally, and dense attention
 * with a hand-written backward pass, in double precision over plain arrays. Deliberately shares
 * no code with the group-wise kernel. Kept forever; do not optimise.
 */
final class NaiveAttention {

    private NaiveAttention() {
    }

    /** May query {@code i} of head {@code h} (of {@code heads}) read key {@code j}? */
    static boolean allowed(AttentionPattern p, int h, int heads, int n, int i, int j) {
        boolean causal = j <= i;
        if (p.mode() == AttentionMode.FULL) {
            return causal;
        }
        int g = p.groupSize();
        int half = g / 2;
        boolean window;
        if (h < heads / 2) {
            window = causal && Math.floorDiv(i, g) == Math.floorDiv(j, g);
        } else if (!p.reassembled()) {
            int si = Math.floorMod(i - half, n);
            int sj = Math.floorMod(j - half, n);
            window = sj <= si && si / g == sj / g;
        } else {
            window = causal && (i + half) / g == (j + half) / g;
        }
        boolean sink = p.sinkTokens() > 0 && j < p.sinkTokens() && causal;
        return window || sink;
    }

    /** Result of a forward + backward pass. Arrays are [B][H][N][D]. */
    record Result(double[][][][] out, double[][][][] dq, double[][][][] dk, double[][][][] dv) {
    }

    /**
     * Dense masked attention and its gradients for loss = sum(out * dOut).
     * k and v are [B][KVH][N][D]; query head h reads kv head h / (H / KVH).
     */
    static Result run(AttentionPattern p, double[][][][] q, double[][][][] k, double[][][][] v,
                      double[][][][] dOut) {
        int b = q.length, heads = q[0].length, n = q[0][0].length, d = q[0][0][0].length;
        int kvHeads = k[0].length;
        int rep = heads / kvHeads;
        double scale = 1.0 / Math.sqrt(d);
        double[][][][] out = new double[b][heads][n][d];
        double[][][][] dq = new double[b][heads][n][d];
        double[][][][] dk = new double[b][kvHeads][n][d];
        double[][][][] dv = new double[b][kvHeads][n][d];
        for (int bi = 0; bi < b; bi++) {
            for (int h = 0; h < heads; h++) {
                int kh = h / rep;
                for (int i = 0; i < n; i++) {
                    double[] s = new double[n];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        if (allowed(p, h, heads, n, i, j)) {
                            s[j] = dot(q[bi][h][i], k[bi][kh][j]) * scale;
                            max = Math.max(max, s[j]);
                        }
                    }
                    double[] prob = new double[n];
                    double z = 0;
                    for (int j = 0; j < n; j++) {
                        if (allowed(p, h, heads, n, i, j)) {
                            prob[j] = Math.exp(s[j] - max);
                            z += prob[j];
                        }
                    }
                    for (int j = 0; j < n; j++) {
                        prob[j] /= z;
                        for (int c = 0; c < d; c++) {
                            out[bi][h][i][c] += prob[j] * v[bi][kh][j][c];
                        }
                    }
                    // backward: dP = dOut . v ; dS = P * (dP - sum(P * dP))
                    double[] dp = new double[n];
                    double dot = 0;
                    for (int j = 0; j < n; j++) {
                        dp[j] = dot(dOut[bi][h][i], v[bi][kh][j]);
                        dot += prob[j] * dp[j];
                        for (int c = 0; c < d; c++) {
                            dv[bi][kh][j][c] += prob[j] * dOut[bi][h][i][c];
                        }
                    }
                    for (int j = 0; j < n; j++) {
                        double ds = prob[j] * (dp[j] - dot) * scale;
                        for (int c = 0; c < d; c++) {
                            dq[bi][h][i][c] += ds * k[bi][kh][j][c];
                            dk[bi][kh][j][c] += ds * q[bi][h][i][c];
                        }
                    }
                }
            }
        }
        return new Result(out, dq, dk, dv);
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
