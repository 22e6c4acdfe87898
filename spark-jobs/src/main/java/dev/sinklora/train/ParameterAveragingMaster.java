package dev.sinklora.train;

import dev.sinklora.spark.FrozenBaseCache;
import dev.sinklora.spark.HadoopConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.CollectionAccumulator;
import org.deeplearning4j.core.storage.StatsStorageRouterProvider;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * DL4J's {@link ParameterAveragingTrainingMaster} with what its workers lose between the driver and
 * the executors:
 * <ol>
 *   <li><b>The optimizer's step count.</b> A worker rebuilds its network from the broadcast
 *   configuration, and {@code ComputationGraphConfiguration.clone()} (DL4J 1.0.0-M2.1) drops
 *   {@code iterationCount} and {@code epochCount}: every averaging round restarted the learning-rate
 *   schedule (the warmup) and Adam's bias correction at step 0 on every worker, while the driver
 *   advanced its own count. Here each worker continues from the driver's count at the start of the
 *   round (the driver adds {@code averagingFrequency} per round, as before).</li>
 *   <li><b>The job's Hadoop configuration.</b> The layer loads the frozen base through
 *   {@link FrozenBaseCache} while the worker builds its network; the worker installs the job's
 *   configuration (e.g. {@code spark.hadoop.fs.s3a.*}) in its JVM first.</li>
 * </ol>
 * Each worker also reports the step and learning rate of every minibatch it fits ({@link StepRecorder}).
 */
final class ParameterAveragingMaster extends ParameterAveragingTrainingMaster {

    private final transient JavaSparkContext sc;
    private final transient Broadcast<HadoopConf> hadoopConf;
    private final transient CollectionAccumulator<WorkerStep> steps;
    private transient Broadcast<NetBroadcastTuple> lastBroadcast;

    ParameterAveragingMaster(Builder builder, JavaSparkContext sc, CollectionAccumulator<WorkerStep> steps) {
        super(builder);
        this.sc = sc;
        this.hadoopConf = sc.broadcast(new HadoopConf(sc.hadoopConfiguration()));
        this.steps = steps;
    }

    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkComputationGraph graph) {
        ComputationGraph net = graph.getNetwork();
        if (lastBroadcast != null) {
            lastBroadcast.unpersist(false); // the previous round is complete: its parameters are averaged in
        }
        lastBroadcast = sc.broadcast(new NetBroadcastTuple(net.getConfiguration(), net.params(),
                net.getUpdater().getStateViewArray()));
        WorkerConfiguration data = new WorkerConfiguration(true, rddDataSetNumExamples, batchSizePerWorker,
                averagingFrequency, prefetchNumBatches, collectTrainingStats);
        List<TrainingHook> hooks = new ArrayList<>();
        if (trainingHookList != null) {
            hooks.addAll(trainingHookList);
        }
        hooks.add(new StepRecorder(steps));
        ComputationGraphConfiguration conf = net.getConfiguration();
        return new Worker(lastBroadcast, saveUpdater, data, hooks, listeners, getRouterProvider(), hadoopConf,
                conf.getIterationCount(), conf.getEpochCount());
    }

    /** A parameter-averaging worker whose network continues the driver's step count, reading with the job's configuration. */
    static final class Worker extends ParameterAveragingTrainingWorker {

        private final Broadcast<HadoopConf> hadoopConf;
        private final int iteration;
        private final int epoch;

        Worker(Broadcast<NetBroadcastTuple> net, boolean saveUpdater, WorkerConfiguration data,
               Collection<TrainingHook> hooks, Collection<TrainingListener> listeners,
               StatsStorageRouterProvider router, Broadcast<HadoopConf> hadoopConf, int iteration, int epoch) {
            super(net, saveUpdater, data, hooks, listeners, router);
            this.hadoopConf = hadoopConf;
            this.iteration = iteration;
            this.epoch = epoch;
        }

        @Override
        public ComputationGraph getInitialModelGraph() {
            FrozenBaseCache.useJobConfiguration(hadoopConf.value().get());
            ComputationGraph net = super.getInitialModelGraph();
            // ComputationGraphConfiguration.clone() dropped these: without them the LR schedule and Adam's
            // bias correction start again at step 0 in every round
            net.getConfiguration().setIterationCount(iteration);
            net.getConfiguration().setEpochCount(epoch);
            return net;
        }
    }
}
