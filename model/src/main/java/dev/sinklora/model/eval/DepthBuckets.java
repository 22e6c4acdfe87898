package dev.sinklora.model.eval;

import dev.sinklora.model.BadInputException;

import java.util.Locale;

/**
 * The key depths of a passkey test cut into {@code count} equal buckets of the filler: bucket {@code b} holds
 * depths in {@code [b/count, (b+1)/count]} (0 = the key right after the task line, 1 = right before the question).
 * Trial {@code t} of every length goes to bucket {@code t mod count}, so each bucket gets trials.
 */
public record DepthBuckets(int count) {

    public DepthBuckets {
        if (count < 1 || count > 100) {
            throw new BadInputException("--depth-buckets must be between 1 and 100, got " + count);
        }
    }

    public int bucketOfTrial(int trial) {
        return trial % count;
    }

    public double lower(int bucket) {
        return (double) bucket / count;
    }

    public double upper(int bucket) {
        return (double) (bucket + 1) / count;
    }

    /** E.g. {@code "0-20%"}. */
    public String label(int bucket) {
        return String.format(Locale.ROOT, "%.0f-%.0f%%", 100 * lower(bucket), 100 * upper(bucket));
    }

    /**
     * Filler sentences before the key, for {@code sentences} of filler, in bucket {@code bucket}: uniform over the
     * integers {@code p} with {@code p / sentences} in the bucket, picked by {@code u} in {@code [0, 1)}.
     */
    public int sentencesBefore(int sentences, int bucket, double u) {
        if (sentences == 0) {
            return 0;
        }
        int lo = (int) (((long) bucket * sentences + count - 1) / count);
        int hi = (int) (((long) bucket + 1) * sentences / count);
        if (hi < lo) { // fewer sentences than buckets: the nearest position
            return (int) Math.round((bucket + 0.5) * sentences / count);
        }
        return lo + Math.min(hi - lo, (int) (u * (hi - lo + 1)));
    }
}
