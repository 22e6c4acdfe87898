package dev.sinklora.model.generate;

import dev.sinklora.model.BadInputException;

/**
 * The KV-cache options as the user gave them (null: not given), resolved against the prompt length
 * into a {@link CachePolicy}. Budgets are either absolute ({@code --heavy-budget}, {@code --recent-budget})
 * or ratios of the prompt length ({@code --heavy-ratio}, {@code --recent-ratio}, as H2O's
 * {@code heavy_ratio}/{@code recent_ratio}: {@code floor(ratio * promptLength)}, recent at least 1).
 *
 * <p>Defaults: {@code --sink-tokens} {@value #DEFAULT_SINKS}; {@code h2o} without budgets uses H2O's
 * ratios 0.1 and 0.1; {@code sink} without a recent budget uses a recent ratio of 0.2 (the same total
 * budget as h2o's default).
 */
public record CacheOptions(String kvCache, Integer heavyBudget, Integer recentBudget, Integer sinkTokens,
                           Double heavyRatio, Double recentRatio) {

    public static final int DEFAULT_SINKS = 4;
    public static final double DEFAULT_H2O_HEAVY_RATIO = 0.1;
    public static final double DEFAULT_H2O_RECENT_RATIO = 0.1;
    public static final double DEFAULT_SINK_RECENT_RATIO = 0.2;

    /** The policy for a prompt of {@code promptLength} tokens. */
    public CachePolicy resolve(int promptLength) {
        CachePolicy.Kind kind = CachePolicy.Kind.parse(kvCache == null ? "full" : kvCache);
        if (kind == CachePolicy.Kind.FULL) {
            for (var o : new Object[][]{{"--heavy-budget", heavyBudget}, {"--recent-budget", recentBudget},
                    {"--sink-tokens", sinkTokens}, {"--heavy-ratio", heavyRatio}, {"--recent-ratio", recentRatio}}) {
                if (o[1] != null) {
                    throw new BadInputException(o[0] + " does not apply to --kv-cache full (use h2o or sink)");
                }
            }
            return CachePolicy.FULL;
        }
        exclusive("--heavy-budget", heavyBudget, "--heavy-ratio", heavyRatio);
        exclusive("--recent-budget", recentBudget, "--recent-ratio", recentRatio);
        ratioInRange("--heavy-ratio", heavyRatio);
        ratioInRange("--recent-ratio", recentRatio);
        int sinks = sinkTokens != null ? sinkTokens : DEFAULT_SINKS;
        if (kind == CachePolicy.Kind.SINK) {
            if (heavyBudget != null || heavyRatio != null) {
                throw new BadInputException((heavyBudget != null ? "--heavy-budget" : "--heavy-ratio")
                        + " applies only to --kv-cache h2o (sink keeps sinks + recent)");
            }
            int recent = recentBudget != null ? recentBudget
                    : fromRatio(recentRatio != null ? recentRatio : DEFAULT_SINK_RECENT_RATIO, promptLength, 1);
            return CachePolicy.sink(sinks, recent);
        }
        int heavy = heavyBudget != null ? heavyBudget
                : fromRatio(heavyRatio != null ? heavyRatio : DEFAULT_H2O_HEAVY_RATIO, promptLength, 0);
        int recent = recentBudget != null ? recentBudget
                : fromRatio(recentRatio != null ? recentRatio : DEFAULT_H2O_RECENT_RATIO, promptLength, 1);
        return CachePolicy.h2o(sinks, recent, heavy);
    }

    private static int fromRatio(double ratio, int promptLength, int min) {
        return Math.max(min, (int) Math.floor(ratio * promptLength));
    }

    private static void exclusive(String a, Object va, String b, Object vb) {
        if (va != null && vb != null) {
            throw new BadInputException(a + " and " + b + " are mutually exclusive (give one)");
        }
    }

    private static void ratioInRange(String option, Double ratio) {
        if (ratio != null && !(ratio >= 0 && ratio <= 1)) {
            throw new BadInputException(option + " must be in [0, 1] (a fraction of the prompt length), got " + ratio);
        }
    }
}
