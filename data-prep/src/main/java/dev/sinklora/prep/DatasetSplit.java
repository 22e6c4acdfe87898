package dev.sinklora.prep;

/**
 * Train/validation assignment by document content: a document goes to validation when a seeded
 * 64-bit hash of its text, read as a fraction in [0, 1), is below the validation fraction. It
 * depends only on (seed, text), never on file names, order or partitioning, and identical
 * documents always land on the same side (no train/validation leakage through duplicates).
 */
public enum DatasetSplit {
    TRAIN("train"),
    VALIDATION("validation");

    private final String dirName;

    DatasetSplit(String dirName) {
        this.dirName = dirName;
    }

    /** The output folder and manifest key: "train" or "validation". */
    public String dirName() {
        return dirName;
    }

    public static DatasetSplit assign(long seed, String text, double validationFraction) {
        if (validationFraction <= 0) {
            return TRAIN;
        }
        return fraction(seed, text) < validationFraction ? VALIDATION : TRAIN;
    }

    /** The seeded hash of {@code text} as a double in [0, 1). */
    static double fraction(long seed, String text) {
        long h = mix(seed ^ 0x9E3779B97F4A7C15L);
        for (int i = 0; i < text.length(); i++) {
            h = (h ^ text.charAt(i)) * 0x100000001B3L; // FNV-1a step over UTF-16 units
        }
        h = mix(h ^ text.length());
        return (h >>> 11) * 0x1.0p-53;
    }

    /** SplitMix64 finalizer: spreads every input bit over the whole word. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
