package dev.sinklora.model.generate;

import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.LlamaTensors;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An independent, plain-Java double-precision LLaMA that runs the KV-cache policies by their definition,
 * one position at a time: every key and value is kept in full; per (layer, KV head) a set of "held"
 * positions and their accumulated attention (summed over the query heads of the KV head) decide what the
 * query of each new position may read. Prefill attends causally to the whole prompt, then compresses;
 * each decoding step attends to the held positions plus itself, then evicts one if over budget.
 * Eviction is re-implemented here from the rule's wording (not via {@link EvictionRule}).
 */
final class DenseCacheOracle {

    private final LlamaConfig c;
    private final CachePolicy policy;
    private final double[] invFreq;        // [D/2]
    private final double[][] embed;
    private final double[][] lmHead;
    private final double[] finalNorm;
    private final double[][][][] w;        // [layer][q,k,v,o,gate,up,down][out][in]
    private final double[][][] norms;      // [layer][input, post][hidden]
    private final List<List<double[][]>> keys = new ArrayList<>();    // [layer] -> per position [KVH][D]
    private final List<List<double[][]>> values = new ArrayList<>();
    private final List<List<TreeMap<Integer, Double>>> held = new ArrayList<>();   // [layer][kvHead] pos -> score
    private int length;

    /** With the default RoPE frequencies {@code theta^(-2i/D)} (the config must not have llama3 scaling). */
    DenseCacheOracle(LlamaModel model, CachePolicy policy) {
        this(model, policy, defaultInvFreq(model.config()));
    }

    /**
     * @param invFreq [D/2] RoPE inverse frequencies to use (e.g. llama3 reference values); positions are divided by
     *                the config's linear factor
     */
    DenseCacheOracle(LlamaModel model, CachePolicy policy, double[] invFreq) {
        this.c = model.config();
        this.policy = policy;
        this.invFreq = invFreq.clone();
        var m = model.weights();
        embed = m.get(LlamaTensors.EMBED).toDoubleMatrix();
        lmHead = c.tieWordEmbeddings() ? embed : m.get(LlamaTensors.LM_HEAD).toDoubleMatrix();
        finalNorm = m.get(LlamaTensors.FINAL_NORM).toDoubleVector();
        int layers = c.numHiddenLayers();
        w = new double[layers][][][];
        norms = new double[layers][][];
        String[] projs = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
        for (int l = 0; l < layers; l++) {
            w[l] = new double[projs.length][][];
            for (int i = 0; i < projs.length; i++) {
                w[l][i] = m.get(LlamaTensors.projection(l, projs[i]) + ".weight").toDoubleMatrix();
            }
            norms[l] = new double[][]{m.get(LlamaTensors.layer(l) + "input_layernorm.weight").toDoubleVector(),
                    m.get(LlamaTensors.layer(l) + "post_attention_layernorm.weight").toDoubleVector()};
            keys.add(new ArrayList<>());
            values.add(new ArrayList<>());
            List<TreeMap<Integer, Double>> perHead = new ArrayList<>();
            for (int g = 0; g < c.numKeyValueHeads(); g++) {
                perHead.add(new TreeMap<>());
            }
            held.add(perHead);
        }
    }

    /** Logits after the last prompt position. */
    double[] prefill(int[] prompt) {
        double[] logits = null;
        for (int token : prompt) {
            logits = position(token, false);
        }
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            for (TreeMap<Integer, Double> h : held.get(l)) {
                compress(h, length - 1);
            }
        }
        return logits;
    }

    /** Logits after one more position. */
    double[] step(int token) {
        return position(token, true);
    }

    /** Positions held by (layer, KV head), ascending. */
    int[] held(int layer, int kvHead) {
        return held.get(layer).get(kvHead).keySet().stream().mapToInt(Integer::intValue).toArray();
    }

    double score(int layer, int kvHead, int position) {
        return held.get(layer).get(kvHead).get(position);
    }

    private double[] position(int token, boolean evict) {
        int t = length++;
        int heads = c.numAttentionHeads();
        int kvh = c.numKeyValueHeads();
        int d = c.headDim();
        int groups = heads / kvh;
        double[] x = embed[token].clone();
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            double[] h = rmsNorm(x, norms[l][0]);
            double[][] q = rope(split(matvec(w[l][0], h), heads, d), t);
            double[][] k = rope(split(matvec(w[l][1], h), kvh, d), t);
            double[][] v = split(matvec(w[l][2], h), kvh, d);
            keys.get(l).add(k);
            values.get(l).add(v);
            for (TreeMap<Integer, Double> hh : held.get(l)) {
                hh.put(t, 0.0);
            }
            double[] attn = new double[heads * d];
            for (int hq = 0; hq < heads; hq++) {
                int g = hq / groups;
                TreeMap<Integer, Double> readable = held.get(l).get(g);
                List<Integer> js = new ArrayList<>(readable.keySet());
                double[] s = new double[js.size()];
                double max = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < s.length; i++) {
                    s[i] = dot(q[hq], keys.get(l).get(js.get(i))[g]) / Math.sqrt(d);
                    max = Math.max(max, s[i]);
                }
                double z = 0;
                for (int i = 0; i < s.length; i++) {
                    s[i] = Math.exp(s[i] - max);
                    z += s[i];
                }
                for (int i = 0; i < s.length; i++) {
                    double p = s[i] / z;
                    int j = js.get(i);
                    readable.put(j, readable.get(j) + p);
                    double[] vj = values.get(l).get(j)[g];
                    for (int e = 0; e < d; e++) {
                        attn[hq * d + e] += p * vj[e];
                    }
                }
            }
            if (evict) {
                for (TreeMap<Integer, Double> hh : held.get(l)) {
                    if (hh.size() > policy.budget()) {
                        evictOne(hh, t);
                    }
                }
            }
            add(x, matvec(w[l][3], attn));
            double[] h2 = rmsNorm(x, norms[l][1]);
            double[] gate = matvec(w[l][4], h2);
            double[] up = matvec(w[l][5], h2);
            for (int i = 0; i < gate.length; i++) {
                gate[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
            }
            add(x, matvec(w[l][6], gate));
        }
        return matvec(lmHead, rmsNorm(x, finalNorm));
    }

    private boolean protectedPos(int p, int newest) {
        return p < policy.sinks() || p >= newest - policy.recent() + 1;
    }

    /** Drops the unprotected position with the lowest score (ties: the smallest position). */
    private void evictOne(TreeMap<Integer, Double> h, int newest) {
        Integer worst = null;
        for (var e : h.entrySet()) {          // ascending positions: strict < keeps the oldest among ties
            if (!protectedPos(e.getKey(), newest) && (worst == null || e.getValue() < h.get(worst))) {
                worst = e.getKey();
            }
        }
        h.remove(worst);
    }

    /** Keeps the protected positions and the {@code heavy} highest-scored others (ties: newest stay). */
    private void compress(TreeMap<Integer, Double> h, int newest) {
        if (h.size() <= policy.budget()) {
            return;
        }
        TreeSet<Integer> others = new TreeSet<>(Comparator.<Integer>comparingDouble(h::get).reversed()
                .thenComparing(Comparator.reverseOrder()));
        for (int p : h.keySet()) {
            if (!protectedPos(p, newest)) {
                others.add(p);
            }
        }
        int kept = 0;
        for (int p : others) {
            if (kept++ >= policy.heavy()) {
                h.remove(p);
            }
        }
    }

    private double[][] rope(double[][] x, int t) {
        int d = x[0].length;
        int half = d / 2;
        double pos = t / c.ropeFactor();
        double[][] out = new double[x.length][d];
        for (int h = 0; h < x.length; h++) {
            for (int i = 0; i < half; i++) {
                double a = pos * invFreq[i];
                out[h][i] = x[h][i] * Math.cos(a) - x[h][i + half] * Math.sin(a);
                out[h][i + half] = x[h][i + half] * Math.cos(a) + x[h][i] * Math.sin(a);
            }
        }
        return out;
    }

    private static double[] defaultInvFreq(LlamaConfig c) {
        if (c.ropeScaling() != null && c.ropeScaling().llama3() != null) {
            throw new IllegalArgumentException("llama3 RoPE: give the oracle reference inverse frequencies");
        }
        double[] f = new double[c.headDim() / 2];
        for (int i = 0; i < f.length; i++) {
            f[i] = Math.pow(c.ropeTheta(), -2.0 * i / c.headDim());
        }
        return f;
    }

    private double[] rmsNorm(double[] x, double[] g) {
        double ms = 0;
        for (double v : x) {
            ms += v * v;
        }
        double inv = 1 / Math.sqrt(ms / x.length + c.rmsNormEps());
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * inv * g[i];
        }
        return out;
    }

    private static double[][] split(double[] x, int heads, int d) {
        double[][] out = new double[heads][d];
        for (int h = 0; h < heads; h++) {
            System.arraycopy(x, h * d, out[h], 0, d);
        }
        return out;
    }

    private static double[] matvec(double[][] m, double[] x) {
        double[] out = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            out[i] = dot(m[i], x);
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void add(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
    }
}
