package dev.sinklora.train;

import org.apache.spark.api.java.JavaRDD;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;

/**
 * The training-master seam: "broadcast the trainable tensors and optimizer state, run local steps
 * on every worker, average both back". Only this interface is visible to the training loop; the
 * DL4J Spark module (removed upstream in 2023) stays behind {@link Dl4jParameterAveragingTrainer}.
 */
public interface AveragingTrainer {

    /** Runs one averaging round over {@code round}: every worker fits its share, then parameters and optimizer state are averaged. */
    void fitRound(JavaRDD<DataSet> round);

    /** The averaged trainable parameters, one flat vector (the network's parameter view; do not modify). */
    INDArray params();

    /** The averaged optimizer state, one flat vector (Adam's m and v). */
    INDArray optimizerState();

    /** Replaces parameters and optimizer state (resume). */
    void restore(INDArray params, INDArray optimizerState, int iteration, int epoch);

    /** Every optimizer step the workers took in the last round, by worker then step (as the workers saw them). */
    List<WorkerStep> lastRoundSteps();

    /** Mean training loss that the workers reported in the last round. */
    double lastLoss();

    /** Bytes of parameters + optimizer state broadcast to each worker per round. */
    long broadcastBytesPerRound();
}
