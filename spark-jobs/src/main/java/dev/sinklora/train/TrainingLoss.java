package dev.sinklora.train;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The training loss: the mean next-token NLL over the target tokens of a minibatch (label
 * {@link SinkLoraLayer#IGNORE} takes none: SFT prompts, padding, the last position), times the
 * minibatch size B, because DL4J divides an output layer's score and gradients by B: score and update
 * then follow the token mean. Built here once, for the whole-model graph and for the recomputing
 * layer's head (which takes the scale {@link #scale} as a number, the token count being known up front).
 */
public final class TrainingLoss {

    private TrainingLoss() {
    }

    /** {@code sum}: the NLL summed over target tokens (scalar); {@code count}: how many there are (scalar). */
    public record Parts(SDVariable sum, SDVariable count) {
    }

    /**
     * @param logits [T, vocab]
     * @param labels [T] next-token ids as floats, negative where no loss is taken
     */
    public static Parts targetNll(SameDiff sd, SDVariable logits, SDVariable labels) {
        SDVariable mask = labels.gte(0.0).castTo(DataType.FLOAT);
        SDVariable safeTarget = labels.mul(mask).castTo(DataType.INT);
        SDVariable nll = sd.loss.sparseSoftmaxCrossEntropy(logits, safeTarget);   // [T]
        return new Parts(nll.mul(mask).sum(), mask.sum());
    }

    /** The loss of a whole minibatch of {@code batch} sequences: {@code B * sum / count}. */
    public static SDVariable loss(Parts p, int batch) {
        return p.sum().div(p.count().add(EPS)).mul((double) batch);
    }

    /** What the summed NLL is multiplied by when the target count is known: {@code B / count}. */
    public static double scale(int batch, long count) {
        return batch / (count + EPS);
    }

    /** Keeps a minibatch without targets at loss 0 instead of 0/0. */
    private static final double EPS = 1e-9;
}
