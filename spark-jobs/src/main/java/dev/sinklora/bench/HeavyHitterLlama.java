package dev.sinklora.bench;

import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.LlamaTensors;
import dev.sinklora.model.random.RandomLlama;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The benchmark's small LLaMA (hidden 256, 4 layers, 4 heads of 64, vocab 512, rope_theta 500000): random
 * Gaussian weights ({@link RandomLlama}, query/key gain {@value #QK_GAIN} so attention is peaked, not
 * uniform), optionally with <em>planted heavy hitters</em>, because a random model has no tokens that
 * every query attends to and H2O would have nothing to find:
 *
 * <ul>
 *   <li>every embedding gets a shared direction {@code u_c} (as real LMs' hidden states share a dominant
 *       direction), and the embeddings of a fixed 1/32 of the vocabulary (the "heavy" ids) a direction
 *       {@code u_h};</li>
 *   <li>in every layer and head, the query's and key's lowest-frequency RoPE dimension get rank-1 terms
 *       reading {@code u_c} and {@code u_h}, so any query adds a roughly position-independent bonus of a few
 *       logits to keys of heavy tokens (rope_theta 500000 keeps that dimension's rotation under 0.1 rad
 *       over 16k positions).</li>
 * </ul>
 * Nothing else is structured: what the model "says" is random, only where it looks is.
 */
public final class HeavyHitterLlama {

    public static final int HIDDEN = 256;
    public static final int LAYERS = 4;
    public static final int HEADS = 4;
    public static final int VOCAB = 512;
    public static final double QK_GAIN = 1.5;
    /** Embedding weight of the shared and the heavy direction (random part has norm ~16). */
    public static final double PLANT_NORM = 8.0;
    /** Rank-1 query/key term strength. */
    public static final double PLANT_GAIN = 0.8;

    private HeavyHitterLlama() {
    }

    public static LlamaConfig config(int maxPositions) {
        return RandomLlama.config(HIDDEN, 688, HEADS, HEADS, LAYERS, VOCAB, maxPositions, false, 500000.0);
    }

    /** The heavy token ids of a seed: every 32nd id of a seeded permutation. */
    public static int[] heavyIds(long seed) {
        int[] perm = permutation(VOCAB, new SplittableRandom(seed ^ 0x5eedL));
        return Arrays.stream(Arrays.copyOf(perm, VOCAB / 32)).sorted().toArray();
    }

    /** @param planted whether to plant the heavy hitters (false: the plain random control) */
    public static LlamaModel create(int maxPositions, long seed, boolean planted) {
        LlamaConfig c = config(maxPositions);
        Map<String, INDArray> w = RandomLlama.weights(c, seed, 1.0);
        for (int l = 0; l < LAYERS; l++) {
            w.get(LlamaTensors.projection(l, "q_proj") + ".weight").muli(QK_GAIN);
            w.get(LlamaTensors.projection(l, "k_proj") + ".weight").muli(QK_GAIN);
        }
        if (planted) {
            plant(c, w, seed);
        }
        return new LlamaModel(c, w);
    }

    private static void plant(LlamaConfig c, Map<String, INDArray> w, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed ^ 0xb1a5L);
        float[] uc = unit(RandomLlama.gaussian(rnd, new long[]{HIDDEN}, 0, 1).toFloatVector());
        float[] uh = RandomLlama.gaussian(rnd, new long[]{HIDDEN}, 0, 1).toFloatVector();
        double dot = 0;
        for (int i = 0; i < HIDDEN; i++) {
            dot += uh[i] * uc[i];
        }
        for (int i = 0; i < HIDDEN; i++) {
            uh[i] -= (float) (dot * uc[i]);       // orthogonal to u_c
        }
        uh = unit(uh);
        INDArray embed = w.get(LlamaTensors.EMBED);                               // [vocab, hidden]
        INDArray shared = Nd4j.createFromArray(uc).reshape(1, HIDDEN).muli(PLANT_NORM);
        INDArray heavy = Nd4j.createFromArray(uh).reshape(1, HIDDEN).muli(PLANT_NORM);
        embed.addiRowVector(shared);
        for (int id : heavyIds(seed)) {
            embed.getRow(id, true).addi(heavy);
        }
        int d = c.headDim();
        int lowFreq = d / 2 - 1;                  // RoPE pair (lowFreq, lowFreq + d/2) rotates slowest
        INDArray qTerm = Nd4j.createFromArray(uc).reshape(1, HIDDEN).muli(PLANT_GAIN);
        INDArray kTerm = Nd4j.createFromArray(uh).reshape(1, HIDDEN).muli(PLANT_GAIN);
        for (int l = 0; l < LAYERS; l++) {
            INDArray wq = w.get(LlamaTensors.projection(l, "q_proj") + ".weight");   // [H*D, hidden]
            INDArray wk = w.get(LlamaTensors.projection(l, "k_proj") + ".weight");   // [KVH*D, hidden]
            for (int h = 0; h < HEADS; h++) {
                wq.getRow((long) h * d + lowFreq, true).addi(qTerm);
                wk.getRow((long) h * d + lowFreq, true).addi(kTerm);
            }
        }
    }

    private static float[] unit(float[] v) {
        double n = 0;
        for (float x : v) {
            n += x * x;
        }
        float inv = (float) (1 / Math.sqrt(n));
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] * inv;
        }
        return out;
    }

    private static int[] permutation(int n, SplittableRandom rnd) {
        int[] p = new int[n];
        Arrays.setAll(p, i -> i);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
