package dev.sinklora.model.generate;

import dev.sinklora.model.BadInputException;

/**
 * Which KV cache generation uses and its budgets, in positions per layer and KV head.
 *
 * <ul>
 *   <li>{@code full}: every position is kept (no budgets).</li>
 *   <li>{@code h2o}: the {@code sinks} first positions, the {@code recent} most recent positions and
 *       the {@code heavy} other positions with the highest accumulated attention (Heavy-Hitter Oracle,
 *       Zhang et al. 2023, plus StreamingLLM's sinks).</li>
 *   <li>{@code sink}: StreamingLLM (Xiao et al. 2023): the {@code sinks} first positions and the
 *       {@code recent} most recent ones; this is {@code h2o} with {@code heavy = 0}.</li>
 * </ul>
 * Messages name the CLI options the budgets come from.
 */
public record CachePolicy(Kind kind, int sinks, int recent, int heavy) {

    /** The cache kinds, by CLI name. */
    public enum Kind {
        FULL("full"), H2O("h2o"), SINK("sink");

        private final String cliName;

        Kind(String cliName) {
            this.cliName = cliName;
        }

        public String cliName() {
            return cliName;
        }

        public static Kind parse(String name) {
            for (Kind k : values()) {
                if (k.cliName.equals(name)) {
                    return k;
                }
            }
            throw new BadInputException("--kv-cache must be one of full, h2o, sink; got '" + name + "'");
        }
    }

    public CachePolicy {
        if (kind == null) {
            throw new BadInputException("--kv-cache is required");
        }
        if (kind == Kind.FULL) {
            if (sinks != 0 || recent != 0 || heavy != 0) {
                throw new BadInputException("--kv-cache full keeps every position and takes no budgets (got sinks "
                        + sinks + ", recent " + recent + ", heavy " + heavy + ")");
            }
        } else {
            nonNegative("--sink-tokens", sinks);
            nonNegative("--heavy-budget", heavy);
            if (recent < 1) {
                throw new BadInputException("--recent-budget must be >= 1 for --kv-cache " + kind.cliName
                        + " (the newest position is always kept), got " + recent);
            }
            if (kind == Kind.SINK && heavy != 0) {
                throw new BadInputException("--heavy-budget applies only to --kv-cache h2o (sink keeps sinks + recent), got "
                        + heavy);
            }
            long budget = (long) sinks + recent + heavy;
            if (budget > Integer.MAX_VALUE - 1) {
                throw new BadInputException("KV budget --sink-tokens + --recent-budget + --heavy-budget = " + budget
                        + " is too large");
            }
        }
    }

    public static final CachePolicy FULL = new CachePolicy(Kind.FULL, 0, 0, 0);

    public static CachePolicy h2o(int sinks, int recent, int heavy) {
        return new CachePolicy(Kind.H2O, sinks, recent, heavy);
    }

    public static CachePolicy sink(int sinks, int recent) {
        return new CachePolicy(Kind.SINK, sinks, recent, 0);
    }

    /** Whether the cache ever evicts. */
    public boolean evicts() {
        return kind != Kind.FULL;
    }

    /** Whether eviction needs accumulated attention scores (only h2o with heavy hitters). */
    public boolean tracksScores() {
        return kind == Kind.H2O && heavy > 0;
    }

    /** Positions kept per layer and KV head between decoding steps; unbounded for {@code full}. */
    public int budget() {
        return evicts() ? sinks + recent + heavy : Integer.MAX_VALUE;
    }

    /**
     * Slots to allocate per layer and KV head for {@code totalPositions} positions (prompt + new tokens):
     * all of them for {@code full} or when they fit the budget, else the budget plus one slot for the
     * incoming position, which is written, attended and then one slot is evicted in place.
     */
    public int capacity(int totalPositions) {
        if (!evicts() || totalPositions <= budget()) {
            return totalPositions;
        }
        return budget() + 1;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case FULL -> "full";
            case H2O -> "h2o(sinks=" + sinks + ", recent=" + recent + ", heavy=" + heavy + ")";
            case SINK -> "sink(sinks=" + sinks + ", recent=" + recent + ")";
        };
    }

    private static void nonNegative(String option, int value) {
        if (value < 0) {
            throw new BadInputException(option + " must be >= 0, got " + value);
        }
    }
}
