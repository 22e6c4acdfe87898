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
     * The NLL as {@code -sum(log_softmax(logits) * onehot(target))} per row. Not {@code sd.loss.sparseSoftmaxCrossEntropy}:
     * in ND4J 1.0.0-M2.1 its backward op ignores the incoming gradient, so every row, masked or not, got the full
     * {@code softmax - onehot} whatever the mask and the scale (masked SFT prompt and padding positions were trained
     * towards token 0, the rest at count/B times the intended gradient; SinkLoraLayerTest compares the gradients with
     * central differences). A gather of the picked log-probabilities would save the one-hot [T, vocab], but
     * M2.1's gather backward returned garbage here.
     *
     * @param logits [T, vocab]
     * @param labels [T] next-token ids as floats, negative where no loss is taken
     * @param vocab  the vocabulary size (logits' second dimension)
     */
    public static Parts targetNll(SameDiff sd, SDVariable logits, SDVariable labels, int vocab) {
        SDVariable mask = labels.gte(0.0).castTo(DataType.FLOAT);                              // [T]
        SDVariable target = labels.mul(mask).castTo(DataType.INT);                             // [T], 0 where masked
        SDVariable onehot = sd.oneHot(target, vocab, -1, 1.0, 0.0, DataType.FLOAT);            // [T, vocab]
        SDVariable logp = sd.nn.logSoftmax(logits);                                            // [T, vocab], over the last dim
        SDVariable nll = logp.mul(onehot).sum(1).neg();                                        // [T]
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
