package dev.sinklora.train;

import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.lora.AdapterTrainingInfo;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.lora.LoraInit;
import dev.sinklora.model.lora.TrainableExtra;
import dev.sinklora.spark.FrozenBaseCache;
import dev.sinklora.testing.ModelFixtures;
import dev.sinklora.train.config.ModelConfig;
import dev.sinklora.train.config.OptimizerConfig;
import dev.sinklora.testing.SparkTestSession;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parameter averaging is exact bookkeeping: with one worker it is the identity, so the result must not depend
 * on how often it happens and must equal plain sequential fitting; with two workers a round is the element-wise
 * mean of what each worker computes alone from the round's starting state. The workers' optimizer steps (which
 * drive the warmup and Adam's bias correction) continue across rounds.
 */
class ParameterAveragingTest {

    static final int SEQ = 32;
    static final int BATCH = 2;
    static final int STEPS = 40;
    static List<DataSet> minibatches;

    @BeforeAll
    static void minibatches() {
        Random rnd = new Random(11);
        minibatches = new ArrayList<>();
        for (int b = 0; b < STEPS; b++) {
            float[] ids = new float[BATCH * SEQ];
            float[] targets = new float[BATCH * SEQ];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = 3 + rnd.nextInt(60); // a small alphabet, so the tiny model can learn something
            }
            for (int i = 0; i < ids.length; i++) {
                targets[i] = i % SEQ == SEQ - 1 ? SinkLoraLayer.IGNORE : ids[i + 1];
            }
            minibatches.add(new DataSet(Nd4j.create(ids, new long[]{BATCH, SEQ}, 'c').castTo(DataType.FLOAT),
                    Nd4j.create(targets, new long[]{BATCH, SEQ}, 'c').castTo(DataType.FLOAT)));
        }
    }

    /** The setting: lr 3e-3 with a 10-step warmup, Adam, so a restarted schedule shows at once. */
    static final LoraConfig LORA = new LoraConfig(4, 8, 0, List.of("q_proj", "k_proj", "v_proj", "o_proj"),
            EnumSet.of(TrainableExtra.NORM));
    static final OptimizerConfig OPTIMIZER = new OptimizerConfig(3e-3, 10, 0.0);
    static final long SEED = 7;

    /** The network TrainJob trains, initialised as TrainJob initialises it. */
    static ComputationGraph network() throws java.io.IOException {
        String baseUri = ModelFixtures.tinyBase().toString();
        LlamaModel base = FrozenBaseCache.get(baseUri);
        ModelConfig model = new ModelConfig(baseUri, AttentionMode.SF, 8, null, 1.0, RecomputeMode.LAYER);
        AttentionPattern pattern = model.pattern(SEQ);
        SinkLoraLayer layer = TrainJob.layer(model, LORA, SEQ, BATCH);
        ComputationGraph net = new ComputationGraph(TrainJob.networkConfig(OPTIMIZER, SEED, LORA, layer));
        net.init();
        new TrainableParams(base.config(), layer.loraConfig()).assign(
                LoraInit.create(base.config(), layer.loraConfig(), SEED, name -> base.weights().get(name),
                        new AdapterTrainingInfo(1.0, pattern, SEQ)),
                TrainJob.paramTable(net));
        return net;
    }

    record State(INDArray params, INDArray updater) {
    }

    static State trainWithOneWorker(int averagingFrequency) throws java.io.IOException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
        Dl4jParameterAveragingTrainer trainer =
                new Dl4jParameterAveragingTrainer(jsc, network(), BATCH, averagingFrequency, 1);
        for (int r = 0; r < STEPS / averagingFrequency; r++) {
            trainer.fitRound(jsc.parallelize(minibatches.subList(r * averagingFrequency, (r + 1) * averagingFrequency), 1));
            List<WorkerStep> steps = trainer.lastRoundSteps();
            assertEquals(averagingFrequency, steps.size(), "steps of round " + r);
            for (int i = 0; i < steps.size(); i++) {
                WorkerStep s = steps.get(i);
                // read on the worker: the step it was at and the learning rate its updater applied there
                assertEquals(r * averagingFrequency + i, s.iteration(), "round " + r);
                assertEquals(OPTIMIZER.learningRateAt(s.iteration()), s.learningRate(), 1e-12, "step " + s.iteration());
                assertEquals(StepRecorder.fingerprint(minibatches.get(s.iteration()).getFeatures()) * 31
                        + StepRecorder.fingerprint(minibatches.get(s.iteration()).getLabels()), s.minibatch());
            }
            TrainJob.checkSchedule(OPTIMIZER, averagingFrequency, steps, r);
        }
        return new State(trainer.params().dup(), trainer.optimizerState().dup());
    }

    @Test
    void withOneWorkerTheAveragingFrequencyDoesNotChangeTheResult() throws Exception {
        // the same DL4J network fitted in one process over the same minibatches
        ComputationGraph reference = network();
        for (DataSet d : minibatches) {
            reference.fit(d);
        }
        assertEquals(STEPS, reference.getConfiguration().getIterationCount());
        float[] refParams = reference.params().dup().data().asFloat();
        float[] refState = reference.getUpdater().getStateViewArray().dup().data().asFloat();
        assertNotEquals(0.0, reference.params().sub(network().params()).norm2Number().doubleValue(),
                "training moved the parameters");

        for (int f : new int[]{1, 2, 5, 40}) {
            State s = trainWithOneWorker(f);
            assertArrayEquals(refParams, s.params().data().asFloat(), 1e-6f, "parameters, averaging every " + f);
            assertArrayEquals(refState, s.updater().data().asFloat(), 1e-6f, "Adam state, averaging every " + f);
        }
    }

    @Test
    void withTwoWorkersOneRoundIsTheMeanOfTheWorkersComputedSeparately() throws Exception {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
        int f = 3;
        Dl4jParameterAveragingTrainer trainer = new Dl4jParameterAveragingTrainer(jsc, network(), BATCH, f, 2);
        trainer.fitRound(jsc.parallelize(minibatches.subList(0, 2 * f), 2));
        INDArray params0 = trainer.params().dup();
        INDArray state0 = trainer.optimizerState().dup();
        int iteration0 = trainer.network().getConfiguration().getIterationCount();
        assertEquals(f, iteration0, "the driver counts one round as averagingFrequency steps");

        List<DataSet> round = minibatches.subList(2 * f, 4 * f);
        trainer.fitRound(jsc.parallelize(round, 2));
        Map<Long, DataSet> byFingerprint = new HashMap<>();
        for (DataSet d : round) {
            byFingerprint.put(StepRecorder.fingerprint(d.getFeatures()) * 31 + StepRecorder.fingerprint(d.getLabels()), d);
        }
        Map<Integer, List<WorkerStep>> byWorker = new HashMap<>();
        trainer.lastRoundSteps().forEach(s -> byWorker.computeIfAbsent(s.partition(), p -> new ArrayList<>()).add(s));
        assertEquals(2, byWorker.size(), "both workers trained: " + trainer.lastRoundSteps());

        INDArray paramSum = null;
        INDArray stateSum = null;
        for (List<WorkerStep> steps : byWorker.values()) {
            assertEquals(f, steps.size());
            ComputationGraph alone = network();
            alone.params().assign(params0);
            alone.getUpdater().getStateViewArray().assign(state0);
            alone.getConfiguration().setIterationCount(iteration0);
            for (int i = 0; i < f; i++) {
                assertEquals(iteration0 + i, steps.get(i).iteration(), "the worker continues the run's step count");
                DataSet d = byFingerprint.get(steps.get(i).minibatch());
                assertNotNull(d, "a minibatch of this round");
                alone.fit(d);
            }
            paramSum = paramSum == null ? alone.params().dup() : paramSum.addi(alone.params());
            INDArray st = alone.getUpdater().getStateViewArray();
            stateSum = stateSum == null ? st.dup() : stateSum.addi(st);
        }
        assertArrayEquals(paramSum.div(2).data().asFloat(), trainer.params().dup().data().asFloat(), 1e-6f, "parameters");
        assertArrayEquals(stateSum.div(2).data().asFloat(), trainer.optimizerState().dup().data().asFloat(), 1e-6f,
                "Adam state");
        assertTrue(trainer.params().sub(params0).norm2Number().doubleValue() > 0, "the round moved the parameters");
    }
}
