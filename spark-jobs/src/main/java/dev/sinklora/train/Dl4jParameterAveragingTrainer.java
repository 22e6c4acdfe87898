package dev.sinklora.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * {@link AveragingTrainer} over DL4J's {@code SparkComputationGraph} +
 * {@code ParameterAveragingTrainingMaster}. Each {@link #fitRound} call gets exactly
 * {@code workers * batch * averagingFrequency} examples, i.e. one averaging round.
 * {@code saveUpdater(true)} is set explicitly: its default (false) restarts Adam every round.
 */
public final class Dl4jParameterAveragingTrainer implements AveragingTrainer {

    private final SparkComputationGraph sparkNet;

    public Dl4jParameterAveragingTrainer(JavaSparkContext sc, ComputationGraph net, int batchSizePerWorker,
                                         int averagingFrequency, int workers) {
        ParameterAveragingTrainingMaster tm = new ParameterAveragingTrainingMaster.Builder(workers, batchSizePerWorker)
                .batchSizePerWorker(batchSizePerWorker)
                .averagingFrequency(averagingFrequency)
                .workerPrefetchNumBatches(0)
                .saveUpdater(true)
                .repartionData(Repartition.Always)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .collectTrainingStats(false)
                .build();
        this.sparkNet = new SparkComputationGraph(sc, net, tm);
    }

    @Override
    public void fitRound(JavaRDD<DataSet> round) {
        sparkNet.fit(round);
    }

    @Override
    public INDArray params() {
        return sparkNet.getNetwork().params();
    }

    @Override
    public INDArray optimizerState() {
        INDArray state = sparkNet.getNetwork().getUpdater().getStateViewArray();
        return state == null ? null : state;
    }

    @Override
    public void restore(INDArray params, INDArray optimizerState, int iteration, int epoch) {
        ComputationGraph net = sparkNet.getNetwork();
        net.params().assign(params);
        if (optimizerState != null) {
            net.getUpdater().getStateViewArray().assign(optimizerState);
        }
        net.getConfiguration().setIterationCount(iteration);
        net.getConfiguration().setEpochCount(epoch);
    }

    @Override
    public double lastLoss() {
        return sparkNet.getScore();
    }

    @Override
    public long broadcastBytesPerRound() {
        ComputationGraph net = sparkNet.getNetwork();
        long bytes = net.params().length() * net.params().dataType().width();
        INDArray state = net.getUpdater().getStateViewArray();
        if (state != null) {
            bytes += state.length() * state.dataType().width();
        }
        return bytes;
    }

    /** The driver's network (parameters after the last average). */
    public ComputationGraph network() {
        return sparkNet.getNetwork();
    }
}
