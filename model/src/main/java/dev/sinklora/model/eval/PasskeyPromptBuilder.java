package dev.sinklora.model.eval;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.tokenizer.HfTokenizer;

import java.util.SplittableRandom;

/**
 * Builds the passkey trials of one test: for a target length {@code L} in tokens, the prompt with the most whole
 * filler sentences such that prompt + answer still fit in {@code L} (so it is at most one sentence's tokens short of
 * {@code L}), the key at a random depth inside the trial's depth bucket, and a random 5-digit key. Keys and depths
 * come from a generator seeded by (seed, length, trial), so a trial does not change when other lengths or more
 * trials are added. Holds the tokenizer and its measured cost of the fixed text and of one filler sentence.
 */
public final class PasskeyPromptBuilder {

    /** Smallest and largest key: 5 digits. */
    public static final int MIN_KEY = 10_000;
    public static final int MAX_KEY = 99_999;

    private final HfTokenizer tokenizer;
    private final DepthBuckets buckets;
    private final long seed;
    private final double tokensPerSentence;

    public PasskeyPromptBuilder(HfTokenizer tokenizer, DepthBuckets buckets, long seed) {
        this.tokenizer = tokenizer;
        this.buckets = buckets;
        this.seed = seed;
        int sentences = 20 * PasskeyText.FILLER.size();
        int bare = tokenizer.encode(PasskeyText.prompt(MIN_KEY, 0, 0)).length;
        int filled = tokenizer.encode(PasskeyText.prompt(MIN_KEY, sentences / 2, sentences / 2)).length;
        this.tokensPerSentence = Math.max(1.0, (filled - bare) / (double) sentences);
    }

    /** Tokens one filler sentence takes on average (the length tolerance of a prompt). */
    public double tokensPerSentence() {
        return tokensPerSentence;
    }

    /** Trial {@code trial} of length {@code length}. */
    public PasskeyTrial build(int length, int trial) {
        SplittableRandom rnd = new SplittableRandom(mix(mix(seed) ^ (length * 0x9E3779B97F4A7C15L) ^ mix(trial + 1L)));
        int key = MIN_KEY + rnd.nextInt(MAX_KEY - MIN_KEY + 1);
        double u = rnd.nextDouble();
        int bucket = buckets.bucketOfTrial(trial);

        Candidate none = candidate(length, trial, key, bucket, u, 0);
        if (none.total() > length) {
            throw new BadInputException("--lengths: " + length + " is too short for a passkey prompt, which takes "
                    + none.total() + " tokens (with its answer) before any filler");
        }
        int k = (int) Math.max(0, Math.floor((length - none.total()) / tokensPerSentence));
        Candidate c = candidate(length, trial, key, bucket, u, k);
        while (c.total() > length && k > 0) {
            k = Math.max(0, k - Math.max(1, (int) Math.ceil((c.total() - length) / tokensPerSentence)));
            c = candidate(length, trial, key, bucket, u, k);
        }
        while (true) {
            Candidate more = candidate(length, trial, key, bucket, u, k + 1);
            if (more.total() > length) {
                return c.trial();
            }
            k++;
            c = more;
        }
    }

    private record Candidate(PasskeyTrial trial) {
        int total() {
            return trial.totalTokens();
        }
    }

    private Candidate candidate(int length, int trial, int key, int bucket, double u, int sentences) {
        int before = buckets.sentencesBefore(sentences, bucket, u);
        String prompt = PasskeyText.prompt(key, before, sentences - before);
        HfTokenizer.Pair pair = tokenizer.encodePair(prompt, " " + key);
        int bos = tokenizer.bosId();
        int offset = bos >= 0 ? 1 : 0;
        int[] ids = new int[offset + pair.promptTokens()];
        if (bos >= 0) {
            ids[0] = bos;
        }
        System.arraycopy(pair.ids(), 0, ids, offset, pair.promptTokens());
        int answer = pair.ids().length - pair.promptTokens();
        double depth = sentences == 0 ? 0 : (double) before / sentences;
        return new Candidate(new PasskeyTrial(length, trial, key, bucket, depth, sentences, ids, answer));
    }

    /** SplitMix64's finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
