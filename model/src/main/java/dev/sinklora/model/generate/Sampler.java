package dev.sinklora.model.generate;

import dev.sinklora.model.BadInputException;

import java.util.Arrays;
import java.util.Random;

/**
 * Picks the next token from logits: greedy (argmax, ties to the lowest id) or nucleus sampling
 * (softmax at a temperature, then the smallest set of most likely tokens whose probability reaches
 * {@code topP}, renormalised) with a seeded RNG, so a seed reproduces a generation.
 */
public final class Sampler {

    private final double temperature;   // 0: greedy
    private final double topP;
    private final Random random;

    private Sampler(double temperature, double topP, Random random) {
        this.temperature = temperature;
        this.topP = topP;
        this.random = random;
    }

    public static Sampler greedy() {
        return new Sampler(0, 1, null);
    }

    /** Nucleus sampling; errors name {@code --temperature} and {@code --top-p}. */
    public static Sampler nucleus(double temperature, double topP, long seed) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new BadInputException("--temperature must be > 0 (use --greedy for argmax), got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new BadInputException("--top-p must be in (0, 1], got " + topP);
        }
        return new Sampler(temperature, topP, new Random(seed));
    }

    public boolean isGreedy() {
        return random == null;
    }

    public int next(float[] logits) {
        return isGreedy() ? argmax(logits) : sample(logits);
    }

    /**
     * {@code logits}, refused if one is NaN or infinite (NaN/Inf weights, or an overflow): the argmax of NaNs is
     * silently token 0. One line naming the decoding step (1-based) and the position it decodes.
     */
    public static float[] requireFinite(float[] logits, int step, int position) {
        for (float v : logits) {
            if (!Float.isFinite(v)) {
                throw new BadInputException("decoding step " + step + ": the model's logits at position " + position
                        + " are not finite (" + v + "): NaN/Inf in the checkpoint or adapter weights?");
            }
        }
        return logits;
    }

    /** Index of the largest logit, the lowest index among equals. */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** The tokens nucleus sampling may pick from {@code logits}, most likely first. */
    int[] nucleus(float[] logits) {
        double[] p = probabilities(logits);
        Integer[] order = new Integer[p.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
        double mass = 0;
        int n = 0;
        while (n < order.length && (n == 0 || mass < topP)) {
            mass += p[order[n++]];
        }
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = order[i];
        }
        return out;
    }

    private int sample(float[] logits) {
        double[] p = probabilities(logits);
        int[] keep = nucleus(logits);
        double mass = 0;
        for (int t : keep) {
            mass += p[t];
        }
        double u = random.nextDouble() * mass;
        for (int t : keep) {
            u -= p[t];
            if (u < 0) {
                return t;
            }
        }
        return keep[keep.length - 1];
    }

    private double[] probabilities(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v / temperature);
        }
        double[] p = new double[logits.length];
        double z = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] / temperature - max);
            z += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= z;
        }
        return p;
    }
}
