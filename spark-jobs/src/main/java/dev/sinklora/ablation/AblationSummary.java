package dev.sinklora.ablation;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The ablation's result: per arm, perplexity at the long context (mean and std over seeds), the share of the
 * full-attention gain {@code (ppl(base + PI) - ppl(arm)) / (ppl(base + PI) - ppl(full))} (per seed, against that
 * seed's full-attention run), passkey accuracy and training time per step; and for every pair of arms the paired
 * per-seed perplexity difference against the seed-to-seed noise. Rendered as a table and as JSON.
 */
public final class AblationSummary {

    /** SinkLoRA's reported shares of the full-attention perplexity gain (the paper's abstract): S2 39%, SF 92%. */
    static final Map<AblationMode, Double> PAPER_SHARE = Map.of(AblationMode.S2, 0.39, AblationMode.SF, 0.92);

    /** One arm over its seeds. */
    record Arm(AblationMode mode, String pattern, List<AblationRun> runs, SeedStats.Stat ppl,
               SeedStats.Stat shareOfGain, SeedStats.Stat passkey, SeedStats.Stat secondsPerStep) {
        Double paperShare() {
            return PAPER_SHARE.get(mode);
        }
    }

    /** Arm {@code a} minus arm {@code b} in perplexity, paired by seed. */
    record Comparison(AblationMode a, AblationMode b, SeedStats.Paired ppl) {
    }

    private final ArmScorer.Score base;
    private final ArmScorer.Score basePi;
    private final List<Arm> arms;
    private final List<Comparison> comparisons;

    private AblationSummary(ArmScorer.Score base, ArmScorer.Score basePi, List<Arm> arms,
                            List<Comparison> comparisons) {
        this.base = base;
        this.basePi = basePi;
        this.arms = arms;
        this.comparisons = comparisons;
    }

    /**
     * @param base   the base without position interpolation, at the long context
     * @param basePi the untuned base with position interpolation
     * @param runs   every (mode, seed) run; each mode must have the same seeds
     */
    static AblationSummary of(ArmScorer.Score base, ArmScorer.Score basePi, List<AblationMode> modes,
                              List<AblationRun> runs) {
        List<Long> seeds = runs.stream().map(AblationRun::seed).distinct().sorted().toList();
        List<AblationRun> full = modes.contains(AblationMode.FULL) ? runsOf(AblationMode.FULL, runs, seeds) : null;
        List<Arm> arms = new ArrayList<>();
        for (AblationMode m : modes) {
            List<AblationRun> rs = runsOf(m, runs, seeds);
            SeedStats.Stat share = null;
            if (full != null) {
                List<Double> shares = new ArrayList<>();
                for (int i = 0; i < rs.size(); i++) {
                    shares.add(shareOfGain(basePi.ppl(), rs.get(i).ppl(), full.get(i).ppl()));
                }
                share = SeedStats.Stat.of(shares);
            }
            arms.add(new Arm(m, rs.get(0).pattern(), rs, SeedStats.Stat.of(rs.stream().map(AblationRun::ppl).toList()),
                    share, SeedStats.Stat.of(rs.stream().map(AblationRun::passkeyAccuracy).toList()),
                    SeedStats.Stat.of(rs.stream().map(AblationRun::secondsPerStep).toList())));
        }
        List<Comparison> comparisons = new ArrayList<>();
        for (int i = 0; i < arms.size(); i++) {
            for (int j = i + 1; j < arms.size(); j++) {
                comparisons.add(new Comparison(arms.get(j).mode(), arms.get(i).mode(), SeedStats.Paired.of(
                        arms.get(j).runs().stream().map(AblationRun::ppl).toList(),
                        arms.get(i).runs().stream().map(AblationRun::ppl).toList())));
            }
        }
        return new AblationSummary(base, basePi, arms, comparisons);
    }

    /** {@code (pplPi - ppl) / (pplPi - pplFull)}: 0 for no gain over the untuned base + PI, 1 for full's gain. */
    static double shareOfGain(double pplPi, double ppl, double pplFull) {
        return (pplPi - ppl) / (pplPi - pplFull);
    }

    private static List<AblationRun> runsOf(AblationMode m, List<AblationRun> runs, List<Long> seeds) {
        List<AblationRun> rs = runs.stream().filter(r -> r.mode().equals(m.cliName()))
                .sorted(Comparator.comparingLong(AblationRun::seed)).toList();
        if (!rs.stream().map(AblationRun::seed).toList().equals(seeds)) {
            throw new IllegalArgumentException("mode " + m + " has runs for seeds "
                    + rs.stream().map(AblationRun::seed).toList() + ", expected " + seeds);
        }
        return rs;
    }

    public List<Arm> arms() {
        return arms;
    }

    public List<Comparison> comparisons() {
        return comparisons;
    }

    ArmScorer.Score base() {
        return base;
    }

    ArmScorer.Score basePi() {
        return basePi;
    }

    /** The result table and the paired comparisons, as printed. */
    String table(int factor) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-16s %-26s %17s %17s %15s %9s %7s%n", "model", "train attention",
                "ppl", "share of gain", "passkey", "s/step", "paper"));
        sb.append(String.format(Locale.ROOT, "%-16s %-26s %17s %17s %15s %9s %7s%n", "base (no PI)", "-",
                f2(base.ppl()), "-", f2(base.passkeyAccuracy()), "-", "-"));
        sb.append(String.format(Locale.ROOT, "%-16s %-26s %17s %17s %15s %9s %7s%n", "base + PI x" + factor, "-",
                f2(basePi.ppl()), "0% (def.)", f2(basePi.passkeyAccuracy()), "-", "-"));
        for (Arm a : arms) {
            String share = a.shareOfGain() == null ? "n/a (no full)" : pct(a.shareOfGain());
            sb.append(String.format(Locale.ROOT, "%-16s %-26s %17s %17s %15s %9s %7s%n", a.mode().cliName(),
                    a.pattern(), pm(a.ppl(), "%.3f"), share, pm(a.passkey(), "%.2f"),
                    String.format(Locale.ROOT, "%.3f", a.secondsPerStep().mean()),
                    a.paperShare() == null ? "-" : Math.round(a.paperShare() * 100) + "%"));
        }
        if (!comparisons.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%npaired by seed: ppl(a) - ppl(b)%n"));
            sb.append(String.format(Locale.ROOT, "%-32s %20s %9s %9s  %s%n", "a - b", "mean ± std", "t", "t(95%)",
                    "beyond seed noise"));
            for (Comparison c : comparisons) {
                SeedStats.Paired p = c.ppl();
                sb.append(String.format(Locale.ROOT, "%-32s %20s %9s %9s  %s%n", c.a() + " - " + c.b(),
                        pm(p.diff(), "%+.3f"), f2(p.t()), f2(p.tCritical()),
                        p.diff().n() < 2 ? "n/a (one seed)" : p.exceedsNoise() ? "yes" : "no"));
            }
        }
        return sb.toString();
    }

    /** {@code references}, {@code modes} (aggregates and per-seed runs) and {@code comparisons}. */
    ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        ObjectNode refs = json.putObject("references");
        putScore(refs.putObject("base"), base);
        putScore(refs.putObject("base_pi"), basePi);
        ArrayNode modes = json.putArray("modes");
        for (Arm a : arms) {
            ObjectNode m = modes.addObject();
            m.put("mode", a.mode().cliName());
            m.put("train_attention", a.pattern());
            putStat(m, "ppl", a.ppl());
            putStat(m, "share_of_gain", a.shareOfGain());
            putStat(m, "passkey_accuracy", a.passkey());
            putStat(m, "seconds_per_step", a.secondsPerStep());
            putNumber(m, "paper_share_of_gain", a.paperShare());
            ArrayNode runs = m.putArray("runs");
            for (int i = 0; i < a.runs().size(); i++) {
                AblationRun r = a.runs().get(i);
                ObjectNode n = runs.addObject();
                n.put("seed", r.seed());
                n.put("ppl", r.ppl());
                n.put("mean_nll", r.meanNll());
                n.put("tokens", r.tokens());
                n.put("passkey_accuracy", r.passkeyAccuracy());
                n.put("passkey_trials", r.passkeyTrials());
                n.put("steps", r.steps());
                n.put("train_seconds", r.trainSeconds());
                n.put("seconds_per_step", r.secondsPerStep());
                n.put("loss_first", r.lossFirst());
                n.put("loss_last", r.lossLast());
                n.put("eval_seconds", r.evalSeconds());
            }
        }
        ArrayNode comps = json.putArray("comparisons");
        for (Comparison c : comparisons) {
            ObjectNode n = comps.addObject();
            n.put("a", c.a().cliName());
            n.put("b", c.b().cliName());
            putStat(n, "ppl_diff", c.ppl().diff());
            putNumber(n, "t", c.ppl().t());
            putNumber(n, "t_critical_95", c.ppl().tCritical());
            n.put("exceeds_seed_noise", c.ppl().exceedsNoise());
        }
        return json;
    }

    private static void putScore(ObjectNode n, ArmScorer.Score s) {
        n.put("ppl", s.ppl());
        n.put("mean_nll", s.meanNll());
        n.put("tokens", s.tokens());
        n.put("passkey_accuracy", s.passkeyAccuracy());
        n.put("passkey_trials", s.passkeyTrials());
    }

    /** {@code name} as {@code {mean, std, n}} (std null for one seed), or null. */
    private static void putStat(ObjectNode n, String name, SeedStats.Stat s) {
        if (s == null) {
            n.putNull(name);
            return;
        }
        ObjectNode o = n.putObject(name);
        putNumber(o, "mean", s.mean());
        putNumber(o, "std", s.std());
        o.put("n", s.n());
    }

    /** A number, or null when absent or not finite (JSON has no NaN). */
    private static void putNumber(ObjectNode n, String name, Double v) {
        if (v == null || !Double.isFinite(v)) {
            n.putNull(name);
        } else {
            n.put(name, v);
        }
    }

    private static String f2(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f", v) : "-";
    }

    private static String pm(SeedStats.Stat s, String format) {
        String mean = String.format(Locale.ROOT, format, s.mean());
        return Double.isFinite(s.std()) ? mean + " ± " + String.format(Locale.ROOT, format.replace("+", ""), s.std())
                : mean;
    }

    private static String pct(SeedStats.Stat s) {
        String mean = String.format(Locale.ROOT, "%.0f%%", 100 * s.mean());
        return Double.isFinite(s.std()) ? mean + String.format(Locale.ROOT, " ± %.0f%%", 100 * s.std()) : mean;
    }
}
