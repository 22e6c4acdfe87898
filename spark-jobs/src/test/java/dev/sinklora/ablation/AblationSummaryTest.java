package dev.sinklora.ablation;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ablation's arithmetic on hand-made runs: share of gain per seed, mean and spread, paired differences. */
class AblationSummaryTest {

    static AblationRun run(AblationMode m, long seed, double ppl, double passkey) {
        return new AblationRun(m.cliName(), m.pattern(256).toString(), seed, 10, 5.0, 3.0, 2.0, Math.log(ppl), 1000,
                passkey, 20, 1.0);
    }

    static ArmScorer.Score score(double ppl) {
        return new ArmScorer.Score(Math.log(ppl), 1000, 0.1, 2, 20, 1.0);
    }

    @Test
    void shareOfGainIsPairedBySeedAgainstThatSeedsFullRun() {
        // base + PI at 20; full at 10 / 12 / 11; s2 recovers 40%, 50%, 60% of each seed's gain; sf 90% of each
        double[] full = {10, 12, 11};
        double[] s2Share = {0.4, 0.5, 0.6};
        List<AblationRun> runs = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            runs.add(run(AblationMode.FULL, s + 1, full[s], 0.9));
            runs.add(run(AblationMode.S2, s + 1, 20 - s2Share[s] * (20 - full[s]), 0.2));
            runs.add(run(AblationMode.SF, s + 1, 20 - 0.9 * (20 - full[s]), 0.8));
        }
        AblationSummary sum = AblationSummary.of(score(25), score(20),
                List.of(AblationMode.FULL, AblationMode.S2, AblationMode.SF), runs);
        AblationSummary.Arm s2 = sum.arms().get(1);
        assertEquals(0.5, s2.shareOfGain().mean(), 1e-12);
        assertEquals(0.1, s2.shareOfGain().std(), 1e-12);
        assertEquals(1.0, sum.arms().get(0).shareOfGain().mean(), 1e-12);
        assertEquals(0.0, sum.arms().get(0).shareOfGain().std(), 1e-12);
        assertEquals(0.9, sum.arms().get(2).shareOfGain().mean(), 1e-12);
        assertEquals(0.39, s2.paperShare());
        assertEquals(11.0, sum.arms().get(0).ppl().mean(), 1e-9);
        assertEquals(1.0, sum.arms().get(0).ppl().std(), 1e-9);

        // sf - s2 per seed: -(0.5, 0.32, 0.27) x gain -> always negative, well beyond the noise
        AblationSummary.Comparison sfVsS2 = sum.comparisons().stream()
                .filter(c -> c.a() == AblationMode.SF && c.b() == AblationMode.S2).findFirst().orElseThrow();
        double[] d = new double[3];
        for (int s = 0; s < 3; s++) {
            d[s] = (20 - 0.9 * (20 - full[s])) - (20 - s2Share[s] * (20 - full[s]));
        }
        double mean = (d[0] + d[1] + d[2]) / 3;
        assertEquals(mean, sfVsS2.ppl().diff().mean(), 1e-9);
        double sd = Math.sqrt(((d[0] - mean) * (d[0] - mean) + (d[1] - mean) * (d[1] - mean)
                + (d[2] - mean) * (d[2] - mean)) / 2);
        assertEquals(mean / (sd / Math.sqrt(3)), sfVsS2.ppl().t(), 1e-6);
        assertEquals(4.303, sfVsS2.ppl().tCritical());
        assertTrue(sfVsS2.ppl().exceedsNoise());
        assertEquals(3, sum.comparisons().size());

        JsonNode json = sum.toJson();
        assertEquals(20.0, json.get("references").get("base_pi").get("ppl").asDouble(), 1e-9);
        assertEquals(0.5, json.get("modes").get(1).get("share_of_gain").get("mean").asDouble(), 1e-12);
        assertEquals(0.92, json.get("modes").get(2).get("paper_share_of_gain").asDouble());
        assertTrue(json.get("modes").get(0).get("paper_share_of_gain").isNull());
        assertEquals(3, json.get("modes").get(1).get("runs").size());
        assertTrue(sum.table(4).contains("50% ± 10%"), sum.table(4));
    }

    @Test
    void differencesWithinTheNoiseAreNotCalledAndOneSeedCannotTell() {
        List<AblationRun> runs = List.of(run(AblationMode.S2, 1, 14, 0), run(AblationMode.SF, 1, 13, 0),
                run(AblationMode.S2, 2, 13, 0), run(AblationMode.SF, 2, 14.2, 0),
                run(AblationMode.S2, 3, 15, 0), run(AblationMode.SF, 3, 14.5, 0));
        AblationSummary noisy = AblationSummary.of(score(25), score(20), List.of(AblationMode.S2, AblationMode.SF), runs);
        assertFalse(noisy.comparisons().get(0).ppl().exceedsNoise());
        assertEquals(null, noisy.arms().get(0).shareOfGain(), "no full arm, no share");
        assertTrue(noisy.toJson().get("modes").get(0).get("share_of_gain").isNull());

        AblationSummary one = AblationSummary.of(score(25), score(20), List.of(AblationMode.S2, AblationMode.SF),
                runs.subList(0, 2));
        assertFalse(one.comparisons().get(0).ppl().exceedsNoise());
        assertTrue(Double.isNaN(one.arms().get(0).ppl().std()));
        assertTrue(one.toJson().get("modes").get(0).get("ppl").get("std").isNull());
        assertTrue(one.table(4).contains("n/a (one seed)"), one.table(4));
    }

    @Test
    void everyModeNeedsTheSameSeeds() {
        List<AblationRun> runs = List.of(run(AblationMode.S2, 1, 14, 0), run(AblationMode.SF, 2, 13, 0));
        assertThrows(IllegalArgumentException.class,
                () -> AblationSummary.of(score(25), score(20), List.of(AblationMode.S2, AblationMode.SF), runs));
    }

    @Test
    void criticalValuesOfStudentsT() {
        assertEquals(12.706, SeedStats.tCritical95(1));
        assertEquals(2.262, SeedStats.tCritical95(9));
        assertEquals(1.96, SeedStats.tCritical95(100));
    }
}
