package dev.sinklora.ablation;

/**
 * One arm's fine-tune for one seed, and its scores (what {@code OUT/runs/<mode>-seed<s>/result.json} holds).
 *
 * @param mode             the arm ({@code --modes} name)
 * @param pattern          the training attention pattern it ran with
 * @param seed             the fine-tuning seed
 * @param steps            training steps
 * @param trainSeconds     training wall time (TrainJob's rounds)
 * @param lossFirst        loss of the first averaging round
 * @param lossLast         loss of the last averaging round
 * @param meanNll          held-out mean NLL at the long context, full attention
 * @param tokens           tokens it was averaged over
 * @param passkeyAccuracy  passkey accuracy at the long context
 * @param passkeyTrials    passkey trials
 * @param evalSeconds      evaluation wall time
 */
public record AblationRun(String mode, String pattern, long seed, long steps, double trainSeconds, double lossFirst,
                          double lossLast, double meanNll, long tokens, double passkeyAccuracy, int passkeyTrials,
                          double evalSeconds) {

    public double ppl() {
        return Math.exp(meanNll);
    }

    public double secondsPerStep() {
        return trainSeconds / steps;
    }

    /** The folder name of the run under {@code OUT/runs}. */
    static String folder(AblationMode mode, long seed) {
        return mode.cliName() + "-seed" + seed;
    }
}
