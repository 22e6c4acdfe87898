package dev.sinklora.train;

import org.apache.spark.TaskContext;
import org.apache.spark.util.CollectionAccumulator;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * A worker-side hook that records, before each minibatch is fitted, the optimizer step the worker's
 * network is at and the learning rate its updater will apply there. The driver checks them against
 * the schedule and logs what the workers really used, not what it computed itself.
 */
final class StepRecorder implements TrainingHook {

    private final CollectionAccumulator<WorkerStep> steps;

    StepRecorder(CollectionAccumulator<WorkerStep> steps) {
        this.steps = steps;
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        record(model, minibatch.getFeatures(), minibatch.getLabels());
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        record(model, minibatch.getFeatures(0), minibatch.getLabels(0));
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
    }

    private void record(Model model, INDArray features, INDArray labels) {
        ComputationGraph net = (ComputationGraph) model;
        int iteration = net.getConfiguration().getIterationCount();
        int epoch = net.getConfiguration().getEpochCount();
        TaskContext task = TaskContext.get();
        steps.add(new WorkerStep(task == null ? -1 : task.partitionId(), iteration,
                learningRate(net, iteration, epoch), fingerprint(features) * 31 + fingerprint(labels)));
    }

    /** The learning rate the updater of the network's (first) trainable parameter applies at this step. */
    static double learningRate(ComputationGraph net, int iteration, int epoch) {
        for (Layer layer : net.getLayers()) {
            if (layer.numParams() > 0) {
                String param = layer.paramTable().keySet().iterator().next();
                IUpdater updater = layer.conf().getLayer().getUpdaterByParam(param);
                return updater.getLearningRate(iteration, epoch);
            }
        }
        throw new IllegalStateException("the network has no trainable parameters");
    }

    /** FNV-1a over the values' bit patterns: equal minibatches give equal fingerprints. */
    static long fingerprint(INDArray a) {
        long h = 0xcbf29ce484222325L;
        for (float v : a.dup('c').data().asFloat()) {
            h = (h ^ Float.floatToIntBits(v)) * 0x100000001b3L;
        }
        return h;
    }
}
