package dev.sinklora.model.score;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.Projection;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Mean next-token negative log-likelihood of a token sequence under a model. */
public final class SequenceScorer {

    private SequenceScorer() {
    }

    /** What scoring one sequence gives. {@code lastLogits} is the last row's logits (all of them). */
    public record Score(int tokens, int predicted, double meanNll, float[] lastLogits) {
        public double ppl() {
            return Math.exp(meanNll);
        }
    }

    /** Scores {@code tokens}: the mean over positions 0..N-2 of -log p(token[t+1] | tokens[0..t]). */
    public static Score score(LlamaModel model, int[] tokens, AttentionPattern pattern, Projection projection) {
        INDArray logits = logits(model, tokens, pattern, projection);
        double nll = 0;
        for (double v : nlls(logits, tokens)) {
            nll += v;
        }
        int predicted = tokens.length - 1;
        return new Score(tokens.length, predicted, nll / predicted,
                logits.getRow(tokens.length - 1).toFloatVector());
    }

    /**
     * The next-token NLL of every position of {@code tokens}: element {@code t} is
     * {@code -log p(tokens[t+1] | tokens[0..t])}, for {@code t = 0..N-2}. For evaluations that score only part of
     * a sequence (strided perplexity); {@link #score} is their mean.
     */
    public static double[] tokenNlls(LlamaModel model, int[] tokens, AttentionPattern pattern, Projection projection) {
        return nlls(logits(model, tokens, pattern, projection), tokens);
    }

    /** {@code [N, vocab]} logits of one sequence of at least 2 tokens. */
    private static INDArray logits(LlamaModel model, int[] tokens, AttentionPattern pattern, Projection projection) {
        if (tokens.length < 2) {
            throw new BadInputException("need at least 2 tokens to score, got " + tokens.length);
        }
        return model.logits(new int[][]{tokens}, pattern, projection);
    }

    /**
     * Element {@code t}: the NLL of {@code tokens[t+1]} under row {@code t} of {@code logits}.
     *
     * @throws BadInputException at the first non-finite NLL: a score of NaN is never a result (the logits are NaN
     *     or infinite only when the weights are)
     */
    private static double[] nlls(INDArray logits, int[] tokens) {
        double[] out = new double[tokens.length - 1];
        for (int t = 0; t + 1 < tokens.length; t++) {
            out[t] = nextTokenNll(logits.getRow(t).toFloatVector(), tokens[t + 1]);
            if (!Double.isFinite(out[t])) {
                throw new BadInputException("the next-token NLL at position " + t + " is " + out[t]
                        + ": the model's logits are not finite (NaN/Inf in the checkpoint or adapter weights?)");
            }
        }
        return out;
    }

    /** {@code logsumexp(row) - row[target]}, in double. */
    public static double nextTokenNll(float[] row, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : row) {
            max = Math.max(max, v);
        }
        double z = 0;
        for (float v : row) {
            z += Math.exp(v - max);
        }
        return max + Math.log(z) - row[target];
    }
}
