package dev.sinklora.ablation;

import dev.sinklora.model.plot.BarChart;

import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The ablation's plot: per sparse training attention, the share of full attention's perplexity gain it recovered
 * (mean over seeds, error bar one standard deviation), beside the paper's reported share where it gives one (S2 39%,
 * SF 92%); dashed lines at 0% (untuned base + PI) and 100% (full-attention fine-tuning).
 */
final class AblationChart {

    static final Color THIS_RUN = new Color(0x3B6FB6);
    static final Color PAPER = new Color(0xE08A2C);

    /** The paper's names of the ablation rows. */
    static final Map<AblationMode, String> PAPER_NAME = Map.of(AblationMode.S2, "S2",
            AblationMode.S2_SINKS, "S2 + global", AblationMode.S2_REASSEMBLED, "S2 + reassembly", AblationMode.SF, "SF");

    private AblationChart() {
    }

    /** The PNG, or null when the run has no full-attention arm (no share of gain to plot). */
    static byte[] png(AblationSummary s, int longContext, int seeds) throws IOException {
        List<BarChart.Group> groups = new ArrayList<>();
        String series = String.format(Locale.ROOT, "this run (mean ± std over %d seed%s)", seeds, seeds == 1 ? "" : "s");
        for (AblationSummary.Arm a : s.arms()) {
            if (a.mode() == AblationMode.FULL) {
                continue;
            }
            if (a.shareOfGain() == null) {
                return null;
            }
            List<BarChart.Bar> bars = new ArrayList<>();
            bars.add(new BarChart.Bar(series, a.shareOfGain().mean(), a.shareOfGain().std(), THIS_RUN));
            if (a.paperShare() != null) {
                bars.add(new BarChart.Bar("SinkLoRA paper (LLaMA, reported)", a.paperShare(), Double.NaN, PAPER));
            }
            groups.add(new BarChart.Group(a.mode().cliName() + "\n" + PAPER_NAME.get(a.mode()), bars));
        }
        if (groups.isEmpty()) {
            return null;
        }
        return BarChart.png(String.format(Locale.ROOT,
                        "Share of full attention's perplexity gain, ppl at %d tokens (eval: full attention)",
                        longContext),
                "share of the gain (ppl, at the extended length)", groups,
                List.of(new BarChart.Reference("full attention = 100%", 1.0),
                        new BarChart.Reference("untuned base + PI = 0%", 0.0)));
    }
}
