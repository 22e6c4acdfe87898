package dev.sinklora.bench;

import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.generate.CachePolicy;
import dev.sinklora.model.generate.IncrementalDecoder;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.Projection;
import dev.sinklora.model.plot.LinePlot;
import dev.sinklora.model.score.SequenceScorer;
import dev.sinklora.testing.ModelFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenerateBenchmarkTest {

    @Test
    void budgetsAreTheGivenFractionOfThePrompt() {
        assertEquals(CachePolicy.h2o(4, 100, 100), GenerateBenchmark.budgetPolicy(CachePolicy.Kind.H2O, 0.1, 2040, 4));
        assertEquals(CachePolicy.h2o(4, 103, 102), GenerateBenchmark.budgetPolicy(CachePolicy.Kind.H2O, 0.1, 2090, 4));
        assertEquals(CachePolicy.sink(4, 405), GenerateBenchmark.budgetPolicy(CachePolicy.Kind.SINK, 0.2, 2045, 4));
        assertEquals(409, GenerateBenchmark.budgetPolicy(CachePolicy.Kind.H2O, 0.2, 2045, 4).budget());
    }

    @Test
    void fullCacheContinuationNllEqualsScoringTheWholeSequence() throws Exception {
        LlamaModel tiny = LlamaModel.load(ModelFixtures.tinyBase());
        int[] all = ModelFixtures.expectedTokens();
        int p = 12;
        int[] prompt = Arrays.copyOf(all, p);
        int[] cont = Arrays.copyOfRange(all, p, Math.min(all.length, 40));
        INDArray logits = tiny.logits(new int[][]{Arrays.copyOf(all, p + cont.length)}, AttentionPattern.FULL,
                Projection.PLAIN);
        double want = 0;
        for (int i = 0; i < cont.length; i++) {
            want += SequenceScorer.nextTokenNll(logits.getRow(p - 1 + i).toFloatVector(), cont[i]);
        }
        want /= cont.length;
        IncrementalDecoder dec = new IncrementalDecoder(tiny);
        assertEquals(want, GenerateBenchmark.continuationNll(dec, CachePolicy.FULL, prompt, cont), 1e-4);
        // a small cache changes it
        assertNotEquals(want, GenerateBenchmark.continuationNll(dec, CachePolicy.sink(1, 2), prompt, cont), 1e-3);
    }

    @Test
    void plantedHeavyHittersConcentrateAttention() {
        int[] prompt = GenerateBenchmark.randomPrompt(384, HeavyHitterLlama.VOCAB, 5);
        double planted = GenerateBenchmark.attentionConcentration(
                new IncrementalDecoder(HeavyHitterLlama.create(512, 1, true)), prompt, 0.1);
        double control = GenerateBenchmark.attentionConcentration(
                new IncrementalDecoder(HeavyHitterLlama.create(512, 1, false)), prompt, 0.1);
        assertTrue(planted > control + 0.1, "planted " + planted + " vs control " + control);
        assertTrue(control > 0.1, "even the control's attention is not uniform: " + control);
    }

    @Test
    void plotIsWrittenAsPng(@TempDir Path dir) throws Exception {
        double[] x = {0.1, 0.2, 0.5};
        Path png = dir.resolve("sub/nll.png");
        LinePlot.write(png, List.of(
                new LinePlot.Panel("a", "x", "y", List.of(new LinePlot.Series("h2o", x, new double[]{3, 2, 1}, Color.RED, false))),
                new LinePlot.Panel("b", "x", "y", List.of(new LinePlot.Series("sink", x, new double[]{1, 1, 1}, Color.BLUE, true)))));
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(1120, img.getWidth());
        assertEquals(420, img.getHeight());
    }
}
