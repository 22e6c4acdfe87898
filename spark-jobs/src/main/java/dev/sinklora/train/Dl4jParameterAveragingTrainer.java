package dev.sinklora.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.CollectionAccumulator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * {@link AveragingTrainer} over DL4J's {@code SparkComputationGraph} + parameter averaging
 * ({@link ParameterAveragingMaster}: DL4J's training master with workers that keep the optimizer's
 * step count and use the job's Hadoop configuration). Each {@link #fitRound} call gets exactly
 * {@code workers * batch * averagingFrequency} examples, i.e. one averaging round.
 * {@code saveUpdater(true)} is set explicitly: its default (false) restarts Adam every round.
 */
public final class Dl4jParameterAveragingTrainer implements AveragingTrainer {

    private final SparkComputationGraph sparkNet;
    private final CollectionAccumulator<WorkerStep> steps;
    private List<WorkerStep> lastRoundSteps = List.of();

    public Dl4jParameterAveragingTrainer(JavaSparkContext sc, ComputationGraph net, int batchSizePerWorker,
                                         int averagingFrequency, int workers) {
        this.steps = sc.sc().collectionAccumulator("sinklora worker steps");
        ParameterAveragingTrainingMaster.Builder tm = new ParameterAveragingTrainingMaster.Builder(workers, batchSizePerWorker)
                .batchSizePerWorker(batchSizePerWorker)
                .averagingFrequency(averagingFrequency)
                .workerPrefetchNumBatches(0)
                .saveUpdater(true)
                .repartionData(Repartition.Always)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .collectTrainingStats(false);
        this.sparkNet = new SparkComputationGraph(sc, net, new ParameterAveragingMaster(tm, sc, steps));
    }

    @Override
    public void fitRound(JavaRDD<DataSet> round) {
        steps.reset();
        sparkNet.fit(round);
        List<WorkerStep> seen = new ArrayList<>(new LinkedHashSet<>(steps.value())); // a re-run task reports twice
        seen.sort(Comparator.comparingInt(WorkerStep::partition).thenComparingInt(WorkerStep::iteration));
        lastRoundSteps = List.copyOf(seen);
    }

    @Override
    public List<WorkerStep> lastRoundSteps() {
        return lastRoundSteps;
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
