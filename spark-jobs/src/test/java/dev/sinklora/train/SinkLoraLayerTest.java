package dev.sinklora.train;

import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.LlamaTensors;
import dev.sinklora.model.llama.Projection;
import dev.sinklora.model.lora.AdaptedModel;
import dev.sinklora.model.lora.LoraAdapter;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.lora.LoraModule;
import dev.sinklora.model.lora.TrainableExtra;
import dev.sinklora.model.score.SequenceScorer;
import dev.sinklora.spark.FrozenBaseCache;
import dev.sinklora.testing.ModelFixtures;
import dev.sinklora.train.config.ModelConfig;
import dev.sinklora.train.config.OptimizerConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DL4J layer computes exactly the model core's loss: with the B = 0 LoRA delta of initialisation, and with a
 * random non-zero A and B (a zero B would hide swapped or transposed A/B wiring), where its gradients also match
 * central differences of the model core's adapted loss.
 */
class SinkLoraLayerTest {

    static final int N = 32;
    static final AttentionPattern PATTERN = new AttentionPattern(AttentionMode.SF, 8, 4);
    static final LoraConfig LORA = new LoraConfig(4, 8, 0, List.of("q_proj", "v_proj"), EnumSet.noneOf(TrainableExtra.class));
    static final String BASE = ModelFixtures.tinyBase().toString();

    /** The layer's network with the given recompute mode, initialised (LoRA B = 0). */
    static ComputationGraph network(RecomputeMode recompute) {
        SinkLoraLayer layer = TrainJob.layer(new ModelConfig(BASE, AttentionMode.SF, 8, 4, 1.0, recompute), LORA, N, 2);
        ComputationGraph net = new ComputationGraph(TrainJob.networkConfig(new OptimizerConfig(1e-3, 0, 0), 3, LORA,
                layer));
        net.init();
        return net;
    }

    /** Two sequences of {@code N} ids and their next-token targets (the last position ignored). */
    static int[][] sequences() {
        int[][] seqs = {new int[N], new int[N]};
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < N; t++) {
                seqs[b][t] = (t * (b + 3) * 17 + 1) % 256;
            }
        }
        return seqs;
    }

    static DataSet batch(int[][] seqs) {
        float[] ids = new float[2 * N];
        float[] targets = new float[2 * N];
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < N; t++) {
                ids[b * N + t] = seqs[b][t];
                targets[b * N + t] = t + 1 < N ? seqs[b][t + 1] : SinkLoraLayer.IGNORE;
            }
        }
        return new DataSet(Nd4j.create(ids, new long[]{2, N}), Nd4j.create(targets, new long[]{2, N})); // [2, N] each
    }

    /** The model core's mean next-token NLL over both sequences, with the adapter applied unmerged (null: none). */
    static double reference(LlamaModel base, LoraAdapter adapter, int[][] seqs) {
        AdaptedModel m = adapter == null ? new AdaptedModel(base, Projection.PLAIN) : AdaptedModel.unmerged(base, adapter, "test");
        return (SequenceScorer.score(m.model(), seqs[0], PATTERN, m.projection()).meanNll()
                + SequenceScorer.score(m.model(), seqs[1], PATTERN, m.projection()).meanNll()) / 2;
    }

    @Test
    void scoreIsTheMeanNextTokenNllOverTheMinibatch() {
        ComputationGraph net = network(RecomputeMode.LAYER); // LoRA B = 0 here, so the adapted model is the base model
        int[][] seqs = sequences();
        double expected = reference(FrozenBaseCache.get(BASE), null, seqs);
        assertEquals(expected, net.score(batch(seqs)), 1e-5);
    }

    @ParameterizedTest
    @EnumSource(RecomputeMode.class)
    void withRandomNonZeroLoraTheLossAndItsGradientsAreTheModelCores(RecomputeMode recompute) {
        LlamaModel base = FrozenBaseCache.get(BASE);
        ComputationGraph net = network(recompute);
        LoraAdapter adapter = randomAdapter(base, new Random(11));
        new TrainableParams(base.config(), LORA).assign(adapter, TrainJob.paramTable(net));
        int[][] seqs = sequences();
        DataSet ds = batch(seqs);

        double expected = reference(base, adapter, seqs);
        double plain = reference(base, null, seqs);
        assertTrue(Math.abs(expected - plain) > 0.05, "the adapter changes the loss: " + plain + " -> " + expected);
        double score = net.score(ds);
        assertEquals(expected, score, 2e-6); // observed 2.9e-7

        net.setInputs(ds.getFeatures());
        net.setLabels(ds.getLabels());
        net.computeGradientAndScore();
        Map<String, INDArray> grads = net.gradient().gradientForVariable();
        double eps = 2e-3;
        for (String module : List.of(LlamaTensors.projection(0, "q_proj"), LlamaTensors.projection(1, "v_proj"))) {
            for (char ab : new char[]{'A', 'B'}) {
                INDArray g = grads.get("llama_" + TrainableParams.loraKey(module, ab));       // [r, in] or [out, r]
                long[] at = largest(g);                                                       // [row, col]
                INDArray w = ab == 'A' ? adapter.modules().get(module).a() : adapter.modules().get(module).b();
                float v = w.getFloat(at[0], at[1]);
                w.putScalar(at, v + eps);
                double up = reference(base, adapter, seqs);
                w.putScalar(at, v - eps);
                double down = reference(base, adapter, seqs);
                w.putScalar(at, v);
                double numeric = (up - down) / (2 * eps);
                // the layer's loss is B x the token mean (TrainingLoss); DL4J's updater divides its gradient by B
                double analytic = g.getDouble(at[0], at[1]) / seqs.length;
                assertTrue(Math.abs(analytic) > 1e-3, module + " " + ab + ": a gradient to compare");
                // observed up to 2.9e-5 (central differences of an FP32 loss, eps 2e-3); the mask-blind, ~62x
                // gradient of ND4J's sparse cross entropy (see TrainingLoss) fails by far
                assertEquals(numeric, analytic, 2e-4, module + " lora_" + ab);
            }
        }
    }

    /** Row and column of the largest |component| of a matrix. */
    static long[] largest(INDArray m) {
        long[] best = {0, 0};
        for (long i = 0; i < m.rows(); i++) {
            for (long j = 0; j < m.columns(); j++) {
                if (Math.abs(m.getDouble(i, j)) > Math.abs(m.getDouble(best[0], best[1]))) {
                    best = new long[]{i, j};
                }
            }
        }
        return best;
    }

    /** Gaussian A [r, in] and B [out, r] for every target of {@link #LORA}. */
    static LoraAdapter randomAdapter(LlamaModel base, Random rnd) {
        Map<String, LoraModule> modules = new LinkedHashMap<>();
        for (int l = 0; l < base.config().numHiddenLayers(); l++) {
            for (String proj : LORA.targets()) {
                String module = LlamaTensors.projection(l, proj);
                long[] w = LlamaTensors.shape(base.config(), module + ".weight");           // [out, in]
                modules.put(module, new LoraModule(module, gaussian(rnd, LORA.r(), w[1]),  // A [r, in]
                        gaussian(rnd, w[0], LORA.r())));                                    // B [out, r]
            }
        }
        return new LoraAdapter(LORA, modules, Map.of(), null, null);
    }

    static INDArray gaussian(Random rnd, long rows, long cols) {
        float[] v = new float[(int) (rows * cols)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (0.3 * rnd.nextGaussian());
        }
        return Nd4j.create(v, new long[]{rows, cols}, 'c');
    }
}
