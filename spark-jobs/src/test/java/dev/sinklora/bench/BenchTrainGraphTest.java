package dev.sinklora.bench;

import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.lora.TrainableExtra;
import dev.sinklora.spark.FrozenBaseCache;
import dev.sinklora.testing.ModelFixtures;
import dev.sinklora.train.RecomputeMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.samediff.SameDiffOutputLayer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SameDiff;

import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The FLOP model's structure against the graph training really runs: after one step of the
 * benchmark's network (the train command's, as one whole-model graph: {@code --recompute none}), the SameDiff
 * forward graph has as many matmul ops as
 * {@link TrainStepFlops} counts products, and its gradient function one {@code matmul_bp} for each
 * product the count puts on a gradient path.
 */
class BenchTrainGraphTest {

    @ParameterizedTest
    @CsvSource({"sf, false", "full, false", "sf, true"})
    void everyCountedProductIsAMatmulAndEveryDifferentiatedOneHasAMatmulBp(String mode, boolean norms) throws Exception {
        String base = ModelFixtures.tinyBase().toString();
        LoraConfig lora = new LoraConfig(4, 8, 0, List.of("q_proj", "k_proj", "v_proj", "o_proj"),
                norms ? EnumSet.of(TrainableExtra.NORM) : Set.of());
        int n = 32;
        AttentionPattern pattern = AttentionPattern.of(AttentionMode.parse(mode), n, null, null);
        TrainStepBenchmark.Settings s = new TrainStepBenchmark.Settings(base, lora,
                new dev.sinklora.train.config.OptimizerConfig(2e-5, 20, 0.0), 0, 1, 0, 1, 1L << 33, 3);
        LlamaModel model = FrozenBaseCache.get(base);
        ComputationGraph net = TrainStepBenchmark.network(s, model, pattern, n, 1.0, RecomputeMode.NONE);
        PrintStream out = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream())); // SameDiff prints one line per op
        try {
            net.fit(TrainStepBenchmark.batches(model.config(), n, 1, 3).get(0));
        } finally {
            System.setOut(out);
        }
        assertTrue(Double.isFinite(net.score()));

        Field f = SameDiffOutputLayer.class.getDeclaredField("sameDiff");
        f.setAccessible(true);
        SameDiff sd = (SameDiff) f.get(net.getLayer("llama"));
        TrainStepFlops flops = TrainStepFlops.count(model.config(), lora, pattern, 1, n);
        assertEquals(flops.matmuls(), count(sd, "matmul"), "forward matmul ops");
        assertEquals(flops.differentiatedMatmuls(), count(sd.getFunction("grad"), "matmul_bp"), "matmul_bp ops");
        assertEquals(norms, flops.matmuls() == flops.differentiatedMatmuls());
    }

    private static long count(SameDiff sd, String opName) {
        long k = 0;
        for (DifferentialFunction op : sd.ops()) {
            if (op.opName().equals(opName)) {
                k++;
            }
        }
        return k;
    }
}
