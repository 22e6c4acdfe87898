package dev.sinklora.bench;

import dev.sinklora.model.generate.CachePolicy;
import dev.sinklora.model.generate.Generator;
import dev.sinklora.model.generate.IncrementalDecoder;
import dev.sinklora.model.generate.KvCache;
import dev.sinklora.model.generate.Sampler;
import dev.sinklora.model.score.SequenceScorer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The measurements of {@code bench-generate}: decode speed and KV bytes of a cache policy at a context
 * length, and the mean NLL of a teacher-forced continuation under a compressed cache (H2O's
 * budget-vs-quality curve).
 */
public final class GenerateBenchmark {

    private GenerateBenchmark() {
    }

    /**
     * One speed run: prefill, then greedy decoding steps, each timed on its own.
     *
     * @param stepMillis     [steps] time of each decoding step
     * @param tokens         the greedy tokens (the first from the prefill)
     */
    public record Speed(CachePolicy policy, int promptTokens, double prefillMillis, double[] stepMillis, int[] tokens,
                        long kvBytes, long bookkeepingBytes, int cacheCapacity, int cachePeak) {

        /** Median step time: robust to other processes' bursts on a shared machine. */
        public double medianStepMillis() {
            double[] s = stepMillis.clone();
            Arrays.sort(s);
            return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        }

        /** 1000 / median step time. */
        public double tokensPerSecond() {
            return 1000.0 / medianStepMillis();
        }

        /** Steps over their total time. */
        public double meanTokensPerSecond() {
            return stepMillis.length / (Arrays.stream(stepMillis).sum() / 1000.0);
        }
    }

    /**
     * Greedy decoding of {@code decodeTokens} after {@code prompt} (EOS ignored) under each policy, every step
     * timed. All caches are prefilled first (each prefill timed), then the policies' decoding steps are
     * interleaved (step i of every policy, then step i + 1), so load from other processes hits them alike.
     */
    public static List<Speed> speed(IncrementalDecoder dec, List<CachePolicy> policies, int[] prompt, int decodeTokens) {
        int k = policies.size();
        KvCache[] caches = new KvCache[k];
        float[][] logits = new float[k][];
        double[] prefill = new double[k];
        for (int j = 0; j < k; j++) {
            caches[j] = dec.newCache(policies.get(j), prompt.length + decodeTokens);
            long t0 = System.nanoTime();
            logits[j] = dec.prefill(prompt, caches[j]);
            prefill[j] = (System.nanoTime() - t0) / 1e6;
        }
        int[][] tokens = new int[k][decodeTokens];
        double[][] steps = new double[k][decodeTokens - 1];
        for (int i = 0; i < decodeTokens; i++) {
            for (int j = 0; j < k; j++) {
                tokens[j][i] = Sampler.argmax(logits[j]);
                if (i + 1 < decodeTokens) {
                    long s = System.nanoTime();
                    logits[j] = dec.step(tokens[j][i], caches[j]);
                    steps[j][i] = (System.nanoTime() - s) / 1e6;
                }
            }
        }
        List<Speed> out = new ArrayList<>();
        for (int j = 0; j < k; j++) {
            out.add(new Speed(policies.get(j), prompt.length, prefill[j], steps[j], tokens[j], caches[j].kvBytes(),
                    caches[j].bookkeepingBytes(), caches[j].capacity(), caches[j].peak()));
        }
        return out;
    }

    /**
     * Mean over the continuation of {@code -log p(continuation[i] | prompt, continuation[..i))} with the
     * prompt prefilled into a {@code policy} cache and the continuation fed one step at a time (the first
     * token is predicted from the prefill alone).
     */
    public static double continuationNll(IncrementalDecoder dec, CachePolicy policy, int[] prompt, int[] continuation) {
        KvCache cache = dec.newCache(policy, prompt.length + continuation.length);
        float[] logits = dec.prefill(prompt, cache);
        double nll = 0;
        for (int i = 0; i < continuation.length; i++) {
            nll += SequenceScorer.nextTokenNll(logits, continuation[i]);
            if (i + 1 < continuation.length) {
                logits = dec.step(continuation[i], cache);
            }
        }
        return nll / continuation.length;
    }

    /** {@code n} tokens sampled from the model with a full cache at temperature 1 (top-p 1), seeded. */
    public static int[] sampleContinuation(IncrementalDecoder dec, int[] prompt, int n, long seed) {
        return Generator.generate(dec, CachePolicy.FULL, prompt, n, Sampler.nucleus(1.0, 1.0, seed), -1, t -> { })
                .tokens();
    }

    /** {@code n} ids uniform in {@code [3, vocab)} (no BOS/EOS), seeded; the first is BOS (1). */
    public static int[] randomPrompt(int n, int vocab, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] t = new int[n];
        t[0] = 1;
        for (int i = 1; i < n; i++) {
            t[i] = 3 + rnd.nextInt(vocab - 3);
        }
        return t;
    }

    /**
     * A policy whose budget is {@code fraction} of the prompt length ({@code B = max(sinks + 1, round(f * P))}):
     * h2o splits {@code B - sinks} evenly between recent and heavy (H2O's equal ratios); sink gives it all
     * to the recent window.
     */
    public static CachePolicy budgetPolicy(CachePolicy.Kind kind, double fraction, int promptLength, int sinks) {
        int b = Math.max(sinks + 1, (int) Math.round(fraction * promptLength));
        int rest = b - sinks;
        return switch (kind) {
            case H2O -> CachePolicy.h2o(sinks, Math.max(1, (rest + 1) / 2), rest - Math.max(1, (rest + 1) / 2));
            case SINK -> CachePolicy.sink(sinks, rest);
            case FULL -> CachePolicy.FULL;
        };
    }

    /**
     * How concentrated the model's attention is over a prompt: per layer and KV head, the share of all
     * accumulated attention (every prompt query's probabilities) that the top {@code topFraction} of keys
     * receive; the mean over layers and heads.
     */
    public static double attentionConcentration(IncrementalDecoder dec, int[] prompt, double topFraction) {
        int n = prompt.length;
        KvCache cache = dec.newCache(CachePolicy.h2o(0, 1, n), n);   // budget covers the prompt: scores for all
        dec.prefill(prompt, cache);
        var c = dec.model().config();
        double sum = 0;
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            for (int g = 0; g < c.numKeyValueHeads(); g++) {
                double[] s = new double[n];
                double total = 0;
                for (int p = 0; p < n; p++) {
                    s[p] = cache.score(l, g, p);
                    total += s[p];
                }
                Arrays.sort(s);
                double top = 0;
                int k = Math.max(1, (int) Math.round(topFraction * n));
                for (int i = 0; i < k; i++) {
                    top += s[n - 1 - i];
                }
                sum += top / total;
            }
        }
        return sum / (c.numHiddenLayers() * c.numKeyValueHeads());
    }
}
