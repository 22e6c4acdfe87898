package dev.sinklora.train;

import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.Projection;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.lora.TrainableExtra;
import dev.sinklora.model.score.SequenceScorer;
import dev.sinklora.spark.FrozenBaseCache;
import dev.sinklora.testing.ModelFixtures;
import dev.sinklora.train.config.ModelConfig;
import dev.sinklora.train.config.OptimizerConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The DL4J layer computes exactly the model core's loss (B = 0 LoRA delta at init). */
class SinkLoraLayerTest {

    @Test
    void scoreIsTheMeanNextTokenNllOverTheMinibatch() throws Exception {
        int n = 32;
        LoraConfig lora = new LoraConfig(4, 8, 0, List.of("q_proj", "v_proj"), EnumSet.noneOf(TrainableExtra.class));
        String base = ModelFixtures.tinyBase().toString();
        AttentionPattern p = new AttentionPattern(AttentionMode.SF, 8, 4);
        SinkLoraLayer layer = TrainJob.layer(new ModelConfig(base, AttentionMode.SF, 8, 4, 1.0, RecomputeMode.LAYER),
                lora, n, 2);
        ComputationGraph net = new ComputationGraph(TrainJob.networkConfig(new OptimizerConfig(1e-3, 0, 0), 3, lora,
                layer));
        net.init(); // LoRA B = 0 here, so the adapted model is the base model

        LlamaModel model = FrozenBaseCache.get(base);
        int[][] seqs = {new int[n], new int[n]};
        float[] ids = new float[2 * n];
        float[] targets = new float[2 * n];
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < n; t++) {
                seqs[b][t] = (t * (b + 3) * 17 + 1) % 256;
                ids[b * n + t] = seqs[b][t];
            }
            for (int t = 0; t < n; t++) {
                targets[b * n + t] = t + 1 < n ? seqs[b][t + 1] : SinkLoraLayer.IGNORE;
            }
        }
        double expected = (SequenceScorer.score(model, seqs[0], p, Projection.PLAIN).meanNll()
                + SequenceScorer.score(model, seqs[1], p, Projection.PLAIN).meanNll()) / 2;
        double score = net.score(new DataSet(Nd4j.create(ids, new long[]{2, n}), Nd4j.create(targets, new long[]{2, n})));
        assertEquals(expected, score, 1e-5);
    }
}
