package dev.sinklora.ablation;

import java.util.List;

/**
 * Mean and spread over seeds, and the paired test of whether a difference between two arms is larger than the
 * seed-to-seed noise (two-sided Student t at 95%).
 */
final class SeedStats {

    /** Two-sided 95% critical values of Student's t for 1..30 degrees of freedom. */
    private static final double[] T95 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
            2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
            2.056, 2.052, 2.048, 2.045, 2.042};

    private SeedStats() {
    }

    /** Mean and sample standard deviation (n - 1; NaN for one value) of {@code n} values. */
    record Stat(double mean, double std, int n) {
        static Stat of(List<Double> values) {
            int n = values.size();
            double mean = values.stream().mapToDouble(Double::doubleValue).sum() / n;
            double ss = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
            return new Stat(mean, n > 1 ? Math.sqrt(ss / (n - 1)) : Double.NaN, n);
        }
    }

    /**
     * A paired comparison: per-seed differences {@code a - b}, their mean and spread, {@code t = mean / (std /
     * sqrt(n))} and whether {@code |t|} exceeds the 95% critical value (never with one seed, nor when the
     * differences do not vary and are zero).
     */
    record Paired(Stat diff, double t, double tCritical, boolean exceedsNoise) {
        static Paired of(List<Double> a, List<Double> b) {
            if (a.size() != b.size()) {
                throw new IllegalArgumentException("paired values differ in count: " + a.size() + " vs " + b.size());
            }
            List<Double> d = new java.util.ArrayList<>();
            for (int i = 0; i < a.size(); i++) {
                d.add(a.get(i) - b.get(i));
            }
            Stat s = Stat.of(d);
            if (s.n() < 2) {
                return new Paired(s, Double.NaN, Double.NaN, false);
            }
            double se = s.std() / Math.sqrt(s.n());
            double t = se == 0 ? (s.mean() == 0 ? 0 : Math.copySign(Double.POSITIVE_INFINITY, s.mean())) : s.mean() / se;
            double crit = tCritical95(s.n() - 1);
            return new Paired(s, t, crit, Math.abs(t) > crit);
        }
    }

    /** Two-sided 95% critical t for {@code df} degrees of freedom (the normal's 1.96 beyond 30). */
    static double tCritical95(int df) {
        if (df < 1) {
            throw new IllegalArgumentException("df must be >= 1, got " + df);
        }
        return df <= T95.length ? T95[df - 1] : 1.96;
    }
}
