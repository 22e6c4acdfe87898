package dev.sinklora.train;

import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.io.LocalModelDirectory;
import dev.sinklora.model.io.safetensors.Checkpoint;
import dev.sinklora.model.io.safetensors.DType;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.Projection;
import dev.sinklora.model.lora.AdaptedModel;
import dev.sinklora.model.lora.LoraAdapter;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.lora.LoraModule;
import dev.sinklora.model.lora.MergeExporter;
import dev.sinklora.model.lora.PeftAdapterIO;
import dev.sinklora.model.lora.TrainableExtra;
import dev.sinklora.model.score.SequenceScorer;
import dev.sinklora.spark.FrozenBaseCache;
import dev.sinklora.testing.BaseCheckpoints;
import dev.sinklora.testing.ModelFixtures;
import dev.sinklora.train.config.DataConfig;
import dev.sinklora.train.config.ModelConfig;
import dev.sinklora.train.config.OptimizerConfig;
import dev.sinklora.train.config.RunConfig;
import dev.sinklora.train.config.TrainConfig;
import dev.sinklora.testing.SparkTestSession;
import dev.sinklora.testing.TrainingCorpus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** sinklora train on local[2] with the tiny fixture: learning, frozen base, resume, attention wiring. */
class TrainJobTest {

    static final int SEQ = 32;
    @TempDir
    static Path tmp;
    static Path data;

    @BeforeAll
    static void writeCorpus() throws Exception {
        data = TrainingCorpus.write(SparkTestSession.get(), tmp.resolve("corpus"), SEQ);
    }

    static TrainConfig options(Path out, AttentionMode mode, int maxSteps, int saveEvery, boolean resume) {
        return options(out, mode, maxSteps, saveEvery, resume, 1);
    }

    static TrainConfig options(Path out, AttentionMode mode, int maxSteps, int saveEvery, boolean resume, int batch) {
        LoraConfig lora = new LoraConfig(4, 8, 0, List.of("q_proj", "k_proj", "v_proj", "o_proj"),
                EnumSet.of(TrainableExtra.NORM));
        return new TrainConfig(
                new ModelConfig(ModelFixtures.tinyBase().toString(), mode, mode == AttentionMode.FULL ? null : 8, null,
                        null, RecomputeMode.LAYER),
                lora, new OptimizerConfig(5e-3, 2, 0.0), new DataConfig(data.toString(), null, batch),
                new RunConfig(out.toString(), maxSteps, null, saveEvery, 2, 2, 7, resume, false));
    }

    /** {@code o} with optimizer {@code lr}, {@code warmup}, no weight decay. */
    static TrainConfig withOptimizer(TrainConfig o, double lr, int warmup) {
        return o.withOptimizer(new OptimizerConfig(lr, warmup, 0.0));
    }

    /** {@code o} running {@code maxSteps} with checkpoints every {@code saveEvery}, {@code workers}, averaging every {@code f}. */
    static TrainConfig withRun(TrainConfig o, int maxSteps, int saveEvery, int workers, int f) {
        RunConfig r = o.run();
        return o.withRun(new RunConfig(r.out(), maxSteps, null, saveEvery, f, workers, r.seed(), false, false));
    }

    @Test
    void lossDropsBaseStaysBitIdenticalAndTheAdapterMerges() throws Exception {
        Path out = tmp.resolve("run-learn");
        TrainJob.Result r = TrainJob.run(SparkTestSession.get(), options(out, AttentionMode.SF, 16, 8, false));
        assertEquals(8, r.rounds());
        assertTrue(r.lastLoss() < r.firstLoss() - 0.5, "loss " + r.firstLoss() + " -> " + r.lastLoss());
        assertEquals(2, r.workers());
        // only trainable tensors travel: LoRA (2 layers x 4 modules x (4x64 + 64x4)) + 5 norms of 64,
        // FP32, plus Adam's two moments of the same size
        assertEquals((2 * 4 * 512 + 5 * 64) * 4L * 3, r.broadcastBytesPerRound());

        // every base tensor the executors used is bit-identical to the checkpoint on disk
        LlamaModel used = FrozenBaseCache.get(r.out().contains("://") ? ModelFixtures.tinyBase().toUri().toString()
                : ModelFixtures.tinyBase().toString());
        try (Checkpoint disk = Checkpoint.open(ModelFixtures.tinyBase())) {
            for (Map.Entry<String, INDArray> e : used.weights().entrySet()) {
                assertArrayEquals(disk.load(e.getKey()).data().asFloat(), e.getValue().data().asFloat(), 0f, e.getKey());
            }
        }
        // checkpoints, metrics, plot
        assertTrue(Files.exists(out.resolve("step-000008/adapter_model.safetensors")));
        assertTrue(Files.exists(out.resolve("step-000016/trainer_state.json")));
        assertTrue(Files.exists(out.resolve("final/adapter_config.json")));
        assertEquals(8, Files.readAllLines(out.resolve(TrainJob.METRICS_FILE)).size());
        assertTrue(Files.size(out.resolve(TrainJob.LOSS_PLOT)) > 1000);
        LoraAdapter adapter = PeftAdapterIO.read(out.resolve("final"));
        assertEquals(8, adapter.modules().size());
        assertEquals(5, adapter.extras().size()); // 2 x 2 layer norms + final norm
        assertEquals(1.0, adapter.trainingInfo().ropeFactor());

        // the adapter merges: W + (alpha/r) B A for each LoRA target, the trained norms, every other tensor as is
        Path merged = tmp.resolve("merged");
        MergeExporter.export(new LocalModelDirectory(ModelFixtures.tinyBase()), new LocalModelDirectory(out.resolve("final")),
                new LocalModelDirectory(merged), MergeExporter.Options.defaults());
        double scaling = 8.0 / 4; // alpha / r of options()
        double worst = 0;
        try (Checkpoint base = Checkpoint.open(ModelFixtures.tinyBase()); Checkpoint m = Checkpoint.open(merged)) {
            assertEquals(base.names(), m.names());
            for (String name : base.names()) {
                INDArray got = m.load(name);
                LoraModule lora = adapter.modules().get(name.replaceAll("\\.weight$", ""));
                if (lora != null) {
                    INDArray delta = lora.b().mmul(lora.a()).muli(scaling);                // [out, in]
                    assertTrue(delta.amaxNumber().doubleValue() > 1e-3, name + ": the trained delta is not ~0");
                    INDArray want = base.load(name).add(delta);                             // [out, in]
                    worst = Math.max(worst, want.sub(got).amaxNumber().doubleValue());
                } else if (adapter.extras().containsKey(name)) {
                    assertArrayEquals(bits(adapter.extras().get(name)), bits(got), name + " is the trained norm");
                } else {
                    assertArrayEquals(bits(base.load(name)), bits(got), name + " is the base's, bit for bit");
                }
            }
        }
        assertTrue(worst <= MERGE_TOLERANCE, "merged weights differ from W + (alpha/r) B A by up to " + worst);
    }

    /** Observed 0 (the merge's FP32 gemm rounds like B.mmul(A) + W here); a few ulps of another BLAS's order. */
    static final double MERGE_TOLERANCE = 1e-7;

    private static int[] bits(INDArray a) {
        float[] f = a.data().asFloat();
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            b[i] = Float.floatToRawIntBits(f[i]);
        }
        return b;
    }

    @Test
    void resumedRunEndsWhereAnUninterruptedOneDoes() throws Exception {
        Path straight = tmp.resolve("run-straight");
        TrainJob.run(SparkTestSession.get(), options(straight, AttentionMode.SF, 8, 4, false));

        Path split = tmp.resolve("run-split");
        TrainJob.run(SparkTestSession.get(), options(split, AttentionMode.SF, 4, 4, false));
        assertTrue(Files.exists(split.resolve("step-000004")));
        TrainJob.Result resumed = TrainJob.run(SparkTestSession.get(), options(split, AttentionMode.SF, 8, 4, true));
        assertEquals(4, resumed.rounds());

        LoraAdapter a = PeftAdapterIO.read(straight.resolve("final"));
        LoraAdapter b = PeftAdapterIO.read(split.resolve("final"));
        for (Map.Entry<String, LoraModule> e : a.modules().entrySet()) {
            LoraModule other = b.modules().get(e.getKey());
            assertArrayEquals(e.getValue().a().data().asFloat(), other.a().data().asFloat(), 1e-6f, e.getKey() + " A");
            assertArrayEquals(e.getValue().b().data().asFloat(), other.b().data().asFloat(), 1e-6f, e.getKey() + " B");
        }
        for (String extra : a.extras().keySet()) {
            assertArrayEquals(a.extras().get(extra).data().asFloat(), b.extras().get(extra).data().asFloat(), 1e-6f, extra);
        }
        // and the trained adapter is not the initial one
        assertNotEquals(0.0, a.modules().values().iterator().next().b().norm2Number().doubleValue());
    }

    @Test
    void recomputedAndWholeGraphTrainingEndAtTheSameAdapter() throws Exception {
        TrainConfig layer = options(tmp.resolve("run-recompute-layer"), AttentionMode.SF, 4, 4, false);
        assertEquals(RecomputeMode.LAYER, layer.model().recompute()); // the default
        TrainConfig none = layer.withModel(layer.model().withRecompute(RecomputeMode.NONE))
                .withRun(layer.run().withOut(tmp.resolve("run-recompute-none").toString()));
        TrainJob.Result a = TrainJob.run(SparkTestSession.get(), layer);
        TrainJob.Result b = TrainJob.run(SparkTestSession.get(), none);
        assertEquals(b.firstLoss(), a.firstLoss(), 1e-5);
        assertEquals(b.lastLoss(), a.lastLoss(), 1e-5);
        LoraAdapter x = PeftAdapterIO.read(tmp.resolve("run-recompute-layer").resolve("final"));
        LoraAdapter y = PeftAdapterIO.read(tmp.resolve("run-recompute-none").resolve("final"));
        double worst = maxDifference(x, y);
        // observed 3e-6 after 4 Adam steps of lr 5e-3: Adam's m/sqrt(v) turns ~1e-7 gradient differences in
        // near-zero gradient components into at most a small fraction of one step (5e-3)
        assertTrue(worst <= 1e-5, "adapters differ by up to " + worst);
        assertNotEquals(0.0, x.modules().values().iterator().next().b().norm2Number().doubleValue());
    }

    @Test
    void bf16BaseStaysBf16TrainsLikeItsFp32CopyAndMerges() throws Exception {
        Path bf16 = BaseCheckpoints.copyAs(ModelFixtures.tinyBase(), tmp.resolve("base-bf16"), DType.BF16);
        Path widened = BaseCheckpoints.copyAs(bf16, tmp.resolve("base-bf16-as-f32"), DType.F32);
        TrainJob.Result half = TrainJob.run(SparkTestSession.get(), withBase(
                options(tmp.resolve("run-bf16"), AttentionMode.SF, 4, 4, false), bf16));
        TrainJob.Result wide = TrainJob.run(SparkTestSession.get(), withBase(
                options(tmp.resolve("run-bf16-as-f32"), AttentionMode.SF, 4, 4, false), widened));
        TrainJob.Result original = TrainJob.run(SparkTestSession.get(),
                options(tmp.resolve("run-f32"), AttentionMode.SF, 4, 4, false));

        // executors hold the base in its checkpoint dtype: half the bytes of the FP32 copy
        LlamaModel cached = FrozenBaseCache.get(bf16.toString());
        assertTrue(cached.weights().values().stream().allMatch(w -> w.dataType() == DataType.BFLOAT16));
        assertEquals(FrozenBaseCache.get(widened.toString()).residentBytes(), 2 * cached.residentBytes());

        // widening is exact, so training on the BF16 base is training on its FP32 copy
        assertEquals(wide.lastLoss(), half.lastLoss(), 1e-6);
        LoraAdapter a = PeftAdapterIO.read(tmp.resolve("run-bf16").resolve("final"));
        LoraAdapter b = PeftAdapterIO.read(tmp.resolve("run-bf16-as-f32").resolve("final"));
        a.extras().forEach((name, t) -> assertEquals(DataType.FLOAT, t.dataType(), name)); // trained in FP32
        assertEquals(0.0, maxDifference(a, b), 1e-7); // observed: bit-identical
        // and the BF16 rounding of the base moves the loss only a little from the original FP32 base's
        // (observed 1.4e-3 and 4e-4)
        assertEquals(original.firstLoss(), half.firstLoss(), 3e-3);
        assertEquals(original.lastLoss(), half.lastLoss(), 3e-3);

        // the adapter merges onto the BF16 base (written as BF16, its dominant dtype) and scores as applied unmerged
        Path merged = tmp.resolve("merged-bf16");
        MergeExporter.export(new LocalModelDirectory(bf16), new LocalModelDirectory(tmp.resolve("run-bf16").resolve("final")),
                new LocalModelDirectory(merged), MergeExporter.Options.defaults());
        try (Checkpoint m = Checkpoint.open(merged)) {
            assertEquals(DType.BF16, m.dominantDType());
        }
        int[] tokens = {1, 17, 42, 99, 5, 200, 31, 7, 64, 128, 3, 250, 11, 77, 150, 9};
        AdaptedModel unmerged = AdaptedModel.unmerged(LlamaModel.load(bf16), a, "adapter");
        double want = SequenceScorer.score(unmerged.model(), tokens, AttentionPattern.FULL, unmerged.projection()).meanNll();
        double got = SequenceScorer.score(LlamaModel.load(merged), tokens, AttentionPattern.FULL, Projection.PLAIN).meanNll();
        assertEquals(want, got, 8e-3); // observed 3.8e-3: the merged weights are rounded to BF16 again
    }

    private static TrainConfig withBase(TrainConfig o, Path base) {
        return o.withModel(o.model().withBase(base.toString()));
    }

    /** The largest absolute difference between two adapters' LoRA matrices and trained tensors. */
    private static double maxDifference(LoraAdapter a, LoraAdapter b) {
        double worst = 0;
        for (Map.Entry<String, LoraModule> e : a.modules().entrySet()) {
            worst = Math.max(worst, maxDiff(b.modules().get(e.getKey()).a(), e.getValue().a()));
            worst = Math.max(worst, maxDiff(b.modules().get(e.getKey()).b(), e.getValue().b()));
        }
        for (String extra : a.extras().keySet()) {
            worst = Math.max(worst, maxDiff(b.extras().get(extra), a.extras().get(extra)));
        }
        return worst;
    }

    private static double maxDiff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue();
    }

    @Test
    void withOneWorkerTheAdapterDoesNotDependOnTheAveragingFrequency() throws Exception {
        // one worker: averaging is the identity, so rounds of 2 or 8 steps must train the same adapter, with the
        // warmup running on across rounds (the workers once restarted it every round)
        List<LoraAdapter> adapters = new ArrayList<>();
        for (int f : new int[]{2, 8}) {
            Path out = tmp.resolve("run-freq-" + f);
            TrainConfig b = options(out, AttentionMode.SF, 8, 8, false);
            TrainJob.run(SparkTestSession.get(), withRun(withOptimizer(b, b.optimizer().learningRate(), 4), 8, 8, 1, f));
            adapters.add(PeftAdapterIO.read(out.resolve("final")));
            if (f == 2) {
                // metrics.jsonl reports the rate the worker applied at each round's last step: warmup over 4 steps
                List<String> lines = Files.readAllLines(out.resolve(TrainJob.METRICS_FILE));
                double[] expected = {0.5, 1, 1, 1};
                for (int i = 0; i < 4; i++) {
                    var m = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.get(i));
                    assertEquals(expected[i] * b.optimizer().learningRate(), m.get("learning_rate").asDouble(), 1e-12, lines.get(i));
                }
            }
        }
        LoraAdapter a = adapters.get(0);
        LoraAdapter b = adapters.get(1);
        for (Map.Entry<String, LoraModule> e : a.modules().entrySet()) {
            assertArrayEquals(e.getValue().a().data().asFloat(), b.modules().get(e.getKey()).a().data().asFloat(), 1e-6f);
            assertArrayEquals(e.getValue().b().data().asFloat(), b.modules().get(e.getKey()).b().data().asFloat(), 1e-6f);
        }
        for (String extra : a.extras().keySet()) {
            assertArrayEquals(a.extras().get(extra).data().asFloat(), b.extras().get(extra).data().asFloat(), 1e-6f, extra);
        }
    }

    @Test
    void attentionSettingsReachTheLayers() throws Exception {
        // minibatches of 2 sequences here (the other tests use 1)
        TrainJob.Result s2 = TrainJob.run(SparkTestSession.get(), options(tmp.resolve("run-s2"), AttentionMode.S2, 2, 2, false, 2));
        TrainJob.Result sf = TrainJob.run(SparkTestSession.get(), options(tmp.resolve("run-sf"), AttentionMode.SF, 2, 2, false, 2));
        assertEquals("s2(G=8,S=0)", s2.pattern().toString());
        assertEquals("sf(G=8,S=4)", sf.pattern().toString());
        assertNotEquals(s2.firstLoss(), sf.firstLoss(), 1e-4);
        assertEquals(2L * 2 * 2 * 31, sf.tokensSeen()); // 1 round x 2 workers x 2 steps x 2 sequences x 31 targets
    }

    @Test
    void existingRunIsRefusedWithoutResumeOrOverwrite() throws Exception {
        Path out = tmp.resolve("run-exists");
        Files.createDirectories(out);
        Files.writeString(out.resolve("something"), "x");
        var e = assertThrows(dev.sinklora.model.BadInputException.class,
                () -> TrainJob.run(SparkTestSession.get(), options(out, AttentionMode.SF, 2, 2, false)));
        assertTrue(e.getMessage().contains("--resume") && e.getMessage().contains("--overwrite"), e.getMessage());
    }

    @Test
    void moreWorkersThanTaskSlotsAreRefusedBeforeAnythingRuns() {
        Path out = tmp.resolve("run-1000");
        TrainConfig b = options(out, AttentionMode.SF, 2, 2, false);
        TrainConfig many = withRun(withOptimizer(b, b.optimizer().learningRate(), 0), 2, 2, 1000, 2);
        var e = assertThrows(dev.sinklora.model.BadInputException.class,
                () -> TrainJob.run(SparkTestSession.get(), many));
        assertTrue(e.getMessage().startsWith("--workers 1000: this Spark application has 2 task slots"), e.getMessage());
        assertTrue(Files.notExists(out.resolve(TrainJob.METRICS_FILE)), "nothing trained");
    }

    @Test
    void resumeKnowsTheDataByWhatItIsNotHowItIsSpelled() throws Exception {
        Path copy = tmp.resolve("corpus-copy");
        org.apache.commons.io.FileUtils.copyDirectory(data.toFile(), copy.toFile());
        Path out = tmp.resolve("run-data");
        TrainConfig b = options(out, AttentionMode.SF, 2, 2, false);
        TrainJob.run(SparkTestSession.get(), withData(b, copy.toString(), 2, false));
        // the same data as a file: URI: accepted
        TrainJob.Result r = TrainJob.run(SparkTestSession.get(), withData(b, copy.toUri().toString(), 4, true));
        assertEquals(4, r.steps());
        assertTrue(Files.exists(out.resolve("step-000004")), "resumed to step 4");
        // other data at the same path: refused
        Files.writeString(copy.resolve("manifest.json"), "{\"seq_len\": " + SEQ + ", \"documents\": 17}");
        var e = assertThrows(dev.sinklora.model.BadInputException.class,
                () -> TrainJob.run(SparkTestSession.get(), withData(b, copy.toString(), 6, true)));
        assertTrue(e.getMessage().startsWith("--resume: checkpoint step-000004 belongs to another run: --data's manifest"
                + " fingerprint "), e.getMessage());
    }

    static TrainConfig withData(TrainConfig b, String data, int maxSteps, boolean resume) {
        return b.withData(b.data().withUri(data)).withRun(b.run().withLength(maxSteps, null).withResume(resume));
    }

    @Test
    void divergingLossStopsTheRunAndKeepsTheLastGoodCheckpoint() throws Exception {
        Path out = tmp.resolve("run-nan");
        TrainConfig base = options(out, AttentionMode.SF, 40, 2, false);
        // an absurd learning rate: parameters blow up within a few rounds
        TrainConfig explode = withOptimizer(base, 1e12, 0);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> TrainJob.run(SparkTestSession.get(), explode));
        assertTrue(e.getMessage().contains("loss became") && e.getMessage().contains("--learning-rate"), e.getMessage());
        assertTrue(Files.notExists(out.resolve("final")), "no final adapter after a diverged run");
        // nothing was saved from the diverged round: any checkpoint left is complete with a finite loss
        if (Files.exists(out)) {
            try (var dirs = Files.list(out)) {
                for (Path d : dirs.filter(p -> p.getFileName().toString().startsWith("step-")).toList()) {
                    TrainerState st = TrainerState.parse(Files.readAllBytes(d.resolve(TrainerState.FILE_NAME)), d.toString());
                    assertTrue(Double.isFinite(st.loss()), d + " loss " + st.loss());
                }
            }
        }
        String last = e.getMessage().replaceAll(".*last good checkpoint (\\S+) .*", "$1");
        assertTrue(last.equals("(none)") || Files.exists(out.resolve(last).resolve(TrainerState.FILE_NAME)), e.getMessage());
    }

    @Test
    void rowsLongerThanTheTrainingLengthAreRejectedWithTheReason() {
        TrainConfig base = options(tmp.resolve("run-short"), AttentionMode.SF, 2, 2, false);
        TrainConfig shorter = withOptimizer(base, base.optimizer().learningRate(), 0)
                .withModel(new ModelConfig(base.model().base(), AttentionMode.SF, 4, null, null, RecomputeMode.LAYER))
                .withData(new DataConfig(base.data().uri(), 16, 1));
        var e = assertThrows(dev.sinklora.model.BadInputException.class,
                () -> TrainJob.run(SparkTestSession.get(), shorter));
        assertTrue(e.getMessage().contains("32 tokens") && e.getMessage().contains("--seq-len 16"), e.getMessage());
    }

    @Test
    void trainableEmbeddingsAndNormsLearnTravelAndMerge() throws Exception {
        Path out = tmp.resolve("run-embed");
        TrainConfig base = options(out, AttentionMode.SF, 8, 8, false);
        TrainConfig embed = withOptimizer(base, 5e-3, 0).withLora(
                new LoraConfig(4, 8, 0, List.of("q_proj", "v_proj"), EnumSet.of(TrainableExtra.EMBED, TrainableExtra.NORM)));
        TrainJob.Result r = TrainJob.run(SparkTestSession.get(), embed);
        assertTrue(r.lastLoss() < r.firstLoss(), "loss " + r.firstLoss() + " -> " + r.lastLoss());
        // LoRA (2 layers x 2 modules x 512) + 5 norms of 64 + the [256, 64] embedding, with Adam's moments
        assertEquals((2 * 2 * 512 + 5 * 64 + 256 * 64) * 4L * 3, r.broadcastBytesPerRound());

        LoraAdapter adapter = PeftAdapterIO.read(out.resolve("final"));
        INDArray trained = adapter.extras().get("model.embed_tokens.weight");
        assertArrayEquals(new long[]{256, 64}, trained.shape());
        try (Checkpoint disk = Checkpoint.open(ModelFixtures.tinyBase())) {
            INDArray original = disk.load("model.embed_tokens.weight");
            assertTrue(trained.sub(original).norm2Number().doubleValue() > 0, "embedding did not change");
            // and the frozen base the executors hold is still the original
            assertArrayEquals(original.data().asFloat(),
                    FrozenBaseCache.get(ModelFixtures.tinyBase().toString()).weights().get("model.embed_tokens.weight")
                            .data().asFloat(), 0f);
        }
        Path merged = tmp.resolve("merged-embed");
        MergeExporter.export(new LocalModelDirectory(ModelFixtures.tinyBase()), new LocalModelDirectory(out.resolve("final")),
                new LocalModelDirectory(merged), MergeExporter.Options.defaults());
        try (Checkpoint m = Checkpoint.open(merged)) {
            assertArrayEquals(trained.data().asFloat(), m.load("model.embed_tokens.weight").data().asFloat(), 0f);
        }
    }
}
