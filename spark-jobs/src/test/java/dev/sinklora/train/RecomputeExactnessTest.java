package dev.sinklora.train;

import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.train.config.ModelConfig;
import dev.sinklora.train.config.OptimizerConfig;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.lora.TrainableExtra;
import dev.sinklora.testing.BaseCheckpoints;
import dev.sinklora.train.recompute.RecomputingOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Activation recomputation is exact: the recomputing layer ({@code --recompute layer}) and the whole-model graph
 * ({@code none}) give the same score and the same gradient for every trainable tensor, on a GQA base with every
 * projection adapted, trainable norms, with and without a trainable embedding in front, sf and full attention.
 */
class RecomputeExactnessTest {

    static final int N = 32;
    static final int BATCH = 2;
    @TempDir
    static Path tmp;
    static String base;

    @BeforeAll
    static void writeBase() throws Exception {
        base = BaseCheckpoints.writeRandom(tmp.resolve("gqa"), BaseCheckpoints.gqa(), 11).toString();
    }

    /** Mode, trainable extras, rows per chunk of a layer's row-wise part (0 = default: one chunk here). */
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(AttentionMode.SF, EnumSet.of(TrainableExtra.NORM), 0),
                Arguments.of(AttentionMode.FULL, EnumSet.of(TrainableExtra.NORM), 0),
                Arguments.of(AttentionMode.SF, EnumSet.of(TrainableExtra.NORM, TrainableExtra.EMBED), 0),
                Arguments.of(AttentionMode.FULL, EnumSet.of(TrainableExtra.NORM, TrainableExtra.EMBED), 0),
                // 7 rows: B*N = 64 tokens in 10 chunks, the last of 1 row, chunks straddling the two sequences
                Arguments.of(AttentionMode.SF, EnumSet.of(TrainableExtra.NORM), 7),
                Arguments.of(AttentionMode.FULL, EnumSet.of(TrainableExtra.NORM), 7));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void recomputedGradientsAndScoreEqualTheWholeGraphs(AttentionMode mode, EnumSet<TrainableExtra> extras,
                                                        int layerRows) {
        LoraConfig lora = new LoraConfig(4, 8, 0, List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
                "up_proj", "down_proj"), extras);
        ComputationGraph none = network(mode, lora, RecomputeMode.NONE);
        ComputationGraph layer = network(mode, lora, RecomputeMode.LAYER);
        assertTrue(layer.getLayer("llama") instanceof RecomputingOutputLayer);
        if (layerRows > 0) {
            ((RecomputingOutputLayer) layer.getLayer("llama")).layerRows(layerRows);
        }
        assertTrue(!(none.getLayer("llama") instanceof RecomputingOutputLayer));
        INDArray params = randomParams(none.params().length(), 5);
        none.setParams(params);
        layer.setParams(params);

        INDArray[] batch = minibatch(BaseCheckpoints.gqa().vocabSize(), 9);
        for (ComputationGraph net : List.of(none, layer)) {
            net.setInputs(batch[0]);
            net.setLabels(batch[1]);
            net.computeGradientAndScore();
        }
        assertEquals(none.score(), layer.score(), 1e-6, "score"); // observed up to 5e-7
        assertTrue(none.score() > 1, "a real loss: " + none.score());

        // the layer's activations (logits [B*N, vocab], what ComputationGraph.output returns) agree too
        INDArray logits = none.outputSingle(batch[0]);
        assertEquals(0.0, logits.sub(layer.outputSingle(batch[0])).amaxNumber().doubleValue(), 1e-5);

        Map<String, INDArray> want = none.gradient().gradientForVariable();
        Map<String, INDArray> got = layer.gradient().gradientForVariable();
        assertEquals(want.keySet(), got.keySet());
        assertEquals(new TrainableParams(BaseCheckpoints.gqa(), lora).params().size(), want.size());
        for (String key : want.keySet()) {
            INDArray w = want.get(key);
            double diff = w.sub(got.get(key)).amaxNumber().doubleValue();
            assertTrue(w.amaxNumber().doubleValue() > 1e-3, key + " has a ~zero gradient: the test would prove nothing");
            // observed up to 1.4e-6 (input norm of layer 0, gradients up to ~11)
            assertTrue(diff <= 1e-5, key + ": max |difference| " + diff + " (max |gradient| " + w.amaxNumber() + ")");
        }
    }

    static ComputationGraph network(AttentionMode mode, LoraConfig lora, RecomputeMode recompute) {
        ComputationGraph net = new ComputationGraph(TrainJob.networkConfig(new OptimizerConfig(1e-3, 0, 0), 3, lora,
                TrainJob.layer(new ModelConfig(base, mode, null, null, 2.0, recompute), lora, N, BATCH)));
        net.init();
        return net;
    }

    /** Parameters with every entry non-zero, norms near 1 (values only need to be the same for both networks). */
    static INDArray randomParams(long n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (0.3 * (2 * rnd.nextDouble() - 1));
        }
        return Nd4j.create(v, new long[]{1, n}, DataType.FLOAT);
    }

    /** {ids [B, N], labels [B, N]}: random tokens, next-token targets, some positions without loss. */
    static INDArray[] minibatch(int vocab, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] ids = new float[BATCH * N];
        float[] labels = new float[BATCH * N];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rnd.nextInt(vocab);
        }
        for (int b = 0; b < BATCH; b++) {
            for (int t = 0; t < N; t++) {
                boolean prompt = b == 1 && t < 10;
                labels[b * N + t] = t + 1 < N && !prompt ? ids[b * N + t + 1] : SinkLoraLayer.IGNORE;
            }
        }
        return new INDArray[]{Nd4j.create(ids, new long[]{BATCH, N}), Nd4j.create(labels, new long[]{BATCH, N})};
    }
}
