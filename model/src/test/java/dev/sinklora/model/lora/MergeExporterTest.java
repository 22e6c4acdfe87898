package dev.sinklora.model.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.io.LocalModelDirectory;
import dev.sinklora.model.io.safetensors.Checkpoint;
import dev.sinklora.model.io.safetensors.DType;
import dev.sinklora.model.io.safetensors.SafetensorsWriter;
import dev.sinklora.model.config.RopeScaling;
import dev.sinklora.model.llama.Fixtures;
import dev.sinklora.model.llama.Llama3Reference;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.Projection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.sinklora.model.lora.LoraTestSupport.files;
import static dev.sinklora.model.lora.LoraTestSupport.score;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MergeExporterTest {

    static LlamaModel base;
    static LoraAdapter fixture;

    @BeforeAll
    static void load() throws IOException {
        base = LlamaModel.load(Fixtures.tinyBase());
        fixture = PeftAdapterIO.read(Fixtures.tinyAdapter());
    }

    private static MergeExporter.Result export(Path base, Path adapter, Path out, MergeExporter.Options o)
            throws IOException {
        return MergeExporter.export(new LocalModelDirectory(base), new LocalModelDirectory(adapter),
                new LocalModelDirectory(out), o);
    }

    private static MergeExporter.Options opts(DType dtype, long shard, boolean overwrite) {
        return new MergeExporter.Options(dtype, shard, overwrite, null);
    }

    private static Path writeAdapter(Path dir, LoraAdapter a) throws IOException {
        PeftAdapterIO.write(dir, a);
        return dir;
    }

    @Test
    void mergingTwiceGivesIdenticalFiles(@TempDir Path tmp) throws IOException {
        Path one = tmp.resolve("one");
        Path two = tmp.resolve("two");
        export(Fixtures.tinyBase(), Fixtures.tinyAdapter(), one, MergeExporter.Options.defaults());
        export(Fixtures.tinyBase(), Fixtures.tinyAdapter(), two, MergeExporter.Options.defaults());
        assertEquals(List.of("config.json", "model.safetensors"), files(one));
        assertEquals(files(one), files(two));
        for (String f : files(one)) {
            assertArrayEquals(Files.readAllBytes(one.resolve(f)), Files.readAllBytes(two.resolve(f)), f);
        }
        assertEquals(List.of("one", "two"), leftovers(tmp));
    }

    @Test
    void configKeepsEverythingAndRecordsTheDtype(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        MergeExporter.Result r = export(Fixtures.tinyBase(), Fixtures.tinyAdapter(), out, MergeExporter.Options.defaults());
        assertEquals(DType.F32, r.dtype());
        assertEquals(8, r.mergedTensors());
        assertEquals(LoraMerger.RopeChoice.Source.BASE, r.rope().source());
        JsonNode in = new ObjectMapper().readTree(Fixtures.tinyBase().resolve("config.json").toFile());
        JsonNode cfg = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals("float32", cfg.get("torch_dtype").asText());
        assertTrue(cfg.get("rope_scaling").isNull(), "no factor recorded: base's rope_scaling kept");
        in.fieldNames().forEachRemaining(f -> assertEquals(in.get(f), cfg.get(f), f));
    }

    @Test
    void ropeFactorTheAdapterWasTrainedWithIsWrittenAndUsed(@TempDir Path tmp) throws IOException {
        LoraAdapter withInfo = fixture.withTrainingInfo(new AdapterTrainingInfo(4.0, null, 256));
        Path adapter = writeAdapter(tmp.resolve("adapter"), withInfo);
        Path out = tmp.resolve("out");
        MergeExporter.Result r = export(Fixtures.tinyBase(), adapter, out, MergeExporter.Options.defaults());

        assertEquals(LoraMerger.RopeChoice.Source.ADAPTER, r.rope().source());
        JsonNode rs = new ObjectMapper().readTree(out.resolve("config.json").toFile()).get("rope_scaling");
        assertEquals("linear", rs.get("type").asText());
        assertEquals(4.0, rs.get("factor").asDouble());

        LlamaModel merged = LlamaModel.load(out);
        assertEquals(4.0, merged.config().ropeFactor());
        AdaptedModel unmerged = AdaptedModel.unmerged(base, withInfo, "adapter");
        assertEquals(4.0, unmerged.model().config().ropeFactor());
        double u = score(unmerged.model(), AttentionPattern.FULL, unmerged.projection());
        assertEquals(u, score(merged, AttentionPattern.FULL, Projection.PLAIN), 1e-5);
        // Position interpolation really changes the model: factor 1 scores differently.
        assertNotEquals(u, score(LoraMerger.merged(base, fixture), AttentionPattern.FULL, Projection.PLAIN), 1e-3);

        Path override = tmp.resolve("override");
        export(Fixtures.tinyBase(), adapter, override, new MergeExporter.Options(null, Long.MAX_VALUE, false, 2.0));
        assertEquals(2.0, LlamaModel.load(override).config().ropeFactor());
    }

    @Test
    void llama3BaseKeepsItsFrequenciesAndRefusesLinearInterpolationOnTop(@TempDir Path tmp) throws IOException {
        Llama3Reference.Case ref = Llama3Reference.get("tiny-fixture");
        Path llama3Base = LoraTestSupport.copyDir(Fixtures.tinyBase(), tmp.resolve("base"));
        Path cfg = llama3Base.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"rope_scaling\": null",
                "\"rope_scaling\": " + ref.ropeScalingJson()));
        LlamaModel l3 = LlamaModel.load(llama3Base);
        assertEquals(ref.llama3(), l3.config().ropeScaling().llama3());

        // trained without interpolation: the merged config.json carries the base's llama3 rope_scaling unchanged
        LoraAdapter plain = fixture.withTrainingInfo(new AdapterTrainingInfo(1.0, null, 64));
        Path plainDir = writeAdapter(tmp.resolve("plain"), plain);
        export(llama3Base, plainDir, tmp.resolve("merged"), MergeExporter.Options.defaults());
        JsonNode rs = new ObjectMapper().readTree(tmp.resolve("merged/config.json").toFile()).get("rope_scaling");
        assertEquals(ref.ropeScalingJson(), rs);
        LlamaModel merged = LlamaModel.load(tmp.resolve("merged"));
        AdaptedModel unmerged = AdaptedModel.unmerged(l3, plain, "plain");
        assertEquals(score(unmerged.model(), AttentionPattern.FULL, unmerged.projection()),
                score(merged, AttentionPattern.FULL, Projection.PLAIN), 1e-5);

        // trained with x4 on top of llama3: runs unmerged, but HF's config.json cannot say it, so merge refuses
        LoraAdapter pi = fixture.withTrainingInfo(new AdapterTrainingInfo(4.0, null, 256));
        Path piDir = writeAdapter(tmp.resolve("pi"), pi);
        assertEquals(new RopeScaling(4.0, ref.llama3()), AdaptedModel.unmerged(l3, pi, "pi").model().config().ropeScaling());
        BadInputException e = assertThrows(BadInputException.class,
                () -> export(llama3Base, piDir, tmp.resolve("refused"), MergeExporter.Options.defaults()));
        assertTrue(e.getMessage().contains(piDir.toString()) && e.getMessage().contains("llama3")
                && e.getMessage().contains("--adapter") && !e.getMessage().contains("\n"), e.getMessage());
        assertEquals(List.of("merged", "pi", "plain"), leftovers(tmp));   // nothing for "refused"
        // --rope-factor 1 writes the base's llama3 frequencies
        export(llama3Base, piDir, tmp.resolve("override"), new MergeExporter.Options(null, Long.MAX_VALUE, false, 1.0));
        assertEquals(ref.ropeScalingJson(),
                new ObjectMapper().readTree(tmp.resolve("override/config.json").toFile()).get("rope_scaling"));
    }

    @Test
    void shapeMismatchIsRejectedNamingTheTensor(@TempDir Path tmp) throws IOException {
        String k1 = "model.layers.1.self_attn.k_proj";
        LoraAdapter bad = LoraTestSupport.mapModules(fixture, m -> m.module().equals(k1)
                ? new LoraModule(k1, Nd4j.zeros(4, 32), m.b()) : m);
        Path adapter = writeAdapter(tmp.resolve("adapter"), bad);
        Path out = tmp.resolve("out");
        BadInputException e = assertThrows(BadInputException.class,
                () -> export(Fixtures.tinyBase(), adapter, out, MergeExporter.Options.defaults()));
        assertTrue(e.getMessage().contains("base_model.model." + k1 + ".lora_A.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("[4, 32]") && e.getMessage().contains("[4, 64]"), e.getMessage());
        assertFalse(Files.exists(out));
        assertEquals(List.of("adapter"), leftovers(tmp));
    }

    @Test
    void targetMismatchesAreRejectedNamingTheTensor(@TempDir Path tmp) throws IOException {
        // A layer the base does not have.
        String extraLayer = "model.layers.2.self_attn.q_proj";
        Map<String, LoraModule> more = new LinkedHashMap<>(fixture.modules());
        LoraModule q0 = fixture.modules().get("model.layers.0.self_attn.q_proj");
        more.put(extraLayer, new LoraModule(extraLayer, q0.a(), q0.b()));
        Path a1 = writeAdapter(tmp.resolve("a1"), new LoraAdapter(fixture.config(), more, Map.of(), null, null));
        BadInputException e = assertThrows(BadInputException.class,
                () -> export(Fixtures.tinyBase(), a1, tmp.resolve("o1"), MergeExporter.Options.defaults()));
        assertTrue(e.getMessage().contains("base_model.model." + extraLayer + ".lora_A.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("2 layers"), e.getMessage());

        // A target with no tensors in one layer.
        Map<String, LoraModule> fewer = new LinkedHashMap<>(fixture.modules());
        fewer.remove("model.layers.1.self_attn.o_proj");
        Path a2 = writeAdapter(tmp.resolve("a2"), new LoraAdapter(fixture.config(), fewer, Map.of(), null, null));
        e = assertThrows(BadInputException.class,
                () -> export(Fixtures.tinyBase(), a2, tmp.resolve("o2"), MergeExporter.Options.defaults()));
        assertTrue(e.getMessage().contains("base_model.model.model.layers.1.self_attn.o_proj.lora_A.weight"),
                e.getMessage());
        assertEquals(List.of("a1", "a2"), leftovers(tmp));
    }

    @Test
    void truncatedAdapterIsRejectedAndNothingWritten(@TempDir Path tmp) throws IOException {
        Path adapter = LoraTestSupport.copyDir(Fixtures.tinyAdapter(), tmp.resolve("adapter"));
        try (FileChannel ch = FileChannel.open(adapter.resolve("adapter_model.safetensors"), StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 4);
        }
        Path out = tmp.resolve("out");
        BadInputException e = assertThrows(BadInputException.class,
                () -> export(Fixtures.tinyBase(), adapter, out, MergeExporter.Options.defaults()));
        assertTrue(e.getMessage().contains("adapter_model.safetensors"), e.getMessage());
        assertEquals(List.of("adapter"), leftovers(tmp));
    }

    @Test
    void nanInAdapterIsRejectedBeforeAnyFileIsWritten(@TempDir Path tmp) throws IOException {
        String v1 = "model.layers.1.self_attn.v_proj";
        LoraAdapter bad = LoraTestSupport.mapModules(fixture, m -> {
            if (!m.module().equals(v1)) {
                return m;
            }
            INDArray b = m.b().dup();
            b.putScalar(3, 2, Float.NaN);
            return new LoraModule(v1, m.a(), b);
        });
        Path adapter = writeAdapter(tmp.resolve("adapter"), bad);
        Path out = tmp.resolve("out");
        BadInputException e = assertThrows(BadInputException.class,
                () -> export(Fixtures.tinyBase(), adapter, out, MergeExporter.Options.defaults()));
        assertTrue(e.getMessage().contains("base_model.model." + v1 + ".lora_B.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        assertEquals(List.of("adapter"), leftovers(tmp), "no output and no temporary directory");
    }

    @Test
    void overflowOfTheOutputDtypeIsRejectedAndTheTemporaryOutputRemoved(@TempDir Path tmp) throws IOException {
        String q0 = "model.layers.0.self_attn.q_proj";
        LoraAdapter huge = LoraTestSupport.mapModules(fixture, m -> m.module().equals(q0)
                ? new LoraModule(q0, m.a(), m.b().mul(1e7)) : m);
        Path adapter = writeAdapter(tmp.resolve("adapter"), huge);
        BadInputException e = assertThrows(BadInputException.class,
                () -> export(Fixtures.tinyBase(), adapter, tmp.resolve("f16"), opts(DType.F16, Long.MAX_VALUE, false)));
        assertTrue(e.getMessage().contains(q0 + ".weight") && e.getMessage().contains("F16"), e.getMessage());
        assertEquals(List.of("adapter"), leftovers(tmp));
        export(Fixtures.tinyBase(), adapter, tmp.resolve("f32"), opts(DType.F32, Long.MAX_VALUE, false));
        assertTrue(Files.exists(tmp.resolve("f32/model.safetensors")));
    }

    @Test
    void existingOutputIsRefusedWithoutOverwrite(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve("keep.txt"), "mine");
        BadInputException e = assertThrows(BadInputException.class,
                () -> export(Fixtures.tinyBase(), Fixtures.tinyAdapter(), out, MergeExporter.Options.defaults()));
        assertTrue(e.getMessage().contains(out.toString()) && e.getMessage().contains("--overwrite"), e.getMessage());
        assertEquals(List.of("keep.txt"), files(out));

        export(Fixtures.tinyBase(), Fixtures.tinyAdapter(), out, opts(DType.BF16, Long.MAX_VALUE, true));
        assertEquals(List.of("config.json", "model.safetensors"), files(out));
        assertEquals("bfloat16", new ObjectMapper().readTree(out.resolve("config.json").toFile())
                .get("torch_dtype").asText());
        assertEquals(List.of("out"), leftovers(tmp));
    }

    @Test
    void halfPrecisionExportsReloadWithinTheirPrecision(@TempDir Path tmp) throws IOException {
        Path f32 = tmp.resolve("f32");
        export(Fixtures.tinyBase(), Fixtures.tinyAdapter(), f32, MergeExporter.Options.defaults());
        LlamaModel ref = LlamaModel.load(f32);
        for (DType dtype : List.of(DType.F16, DType.BF16)) {
            Path out = tmp.resolve(dtype.name());
            export(Fixtures.tinyBase(), Fixtures.tinyAdapter(), out, opts(dtype, Long.MAX_VALUE, false));
            try (Checkpoint c = Checkpoint.open(out)) {
                assertEquals(dtype, c.dominantDType());
            }
            // Round to nearest: relative error at most 2^-11 (F16, 10-bit mantissa) or 2^-8 (BF16, 7-bit),
            // plus half of F16's subnormal spacing for tiny values.
            double rel = dtype == DType.F16 ? 0x1p-11 : 0x1p-8;
            double abs = dtype == DType.F16 ? 0x1p-25 : 0;
            LlamaModel m = LlamaModel.load(out);
            for (String name : ref.weights().keySet()) {
                float[] want = LoraTestSupport.floats(ref.weights().get(name));
                float[] got = LoraTestSupport.floats(m.weights().get(name));
                boolean anyDiff = false;
                for (int i = 0; i < want.length; i++) {
                    double err = Math.abs(got[i] - want[i]);
                    assertTrue(err <= Math.abs(want[i]) * rel + abs, dtype + " " + name + "[" + i + "]: "
                            + got[i] + " vs " + want[i]);
                    anyDiff |= err > 0;
                }
                assertTrue(anyDiff, dtype + " " + name + " should have been rounded");
            }
        }
    }

    @Test
    void shardedExportReloadsIdentically(@TempDir Path tmp) throws IOException {
        Path single = tmp.resolve("single");
        Path sharded = tmp.resolve("sharded");
        export(Fixtures.tinyBase(), Fixtures.tinyAdapter(), single, MergeExporter.Options.defaults());
        MergeExporter.Result r = export(Fixtures.tinyBase(), Fixtures.tinyAdapter(), sharded,
                opts(null, SafetensorsWriter.parseSize("100KB"), false));
        List<String> shards = files(sharded).stream().filter(f -> f.startsWith("model-")).toList();
        assertTrue(shards.size() > 1, "expected several shards, got " + files(sharded));
        assertTrue(files(sharded).contains("model.safetensors.index.json"));
        assertEquals(shards.size() + 2, r.files().size());
        for (String s : shards) {
            // At most 100 KB of tensor data (no fixture tensor is larger) plus a small header.
            assertTrue(Files.size(sharded.resolve(s)) <= 100_000 + 4096, s + " is too large");
        }
        try (Checkpoint a = Checkpoint.open(single); Checkpoint b = Checkpoint.open(sharded)) {
            assertEquals(a.names(), b.names());
            for (String n : a.names()) {
                assertEquals(a.load(n), b.load(n), n);
            }
        }
    }

    @Test
    void tokenizerFilesAreCopied(@TempDir Path tmp) throws IOException {
        Path baseDir = LoraTestSupport.baseCopy(tmp);
        Files.writeString(baseDir.resolve("tokenizer.json"), "{\"model\":{}}");
        Files.writeString(baseDir.resolve("tokenizer_config.json"), "{\"from\":\"base\"}");
        Path adapter = LoraTestSupport.copyDir(Fixtures.tinyAdapter(), tmp.resolve("adapter"));
        Files.writeString(adapter.resolve("tokenizer_config.json"), "{\"from\":\"adapter\"}");
        Path out = tmp.resolve("out");
        export(baseDir, adapter, out, MergeExporter.Options.defaults());
        assertEquals(List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"), files(out));
        assertEquals("{\"model\":{}}", Files.readString(out.resolve("tokenizer.json")));
        assertEquals("{\"from\":\"adapter\"}", Files.readString(out.resolve("tokenizer_config.json")));
    }

    @Test
    void fullyTrainedEmbeddingsAndNormsAreMerged(@TempDir Path tmp) throws IOException {
        LoraAdapter init = LoraInit.create(base.config(), new LoraConfig(4, 8, 0, List.of("q_proj", "k_proj",
                "v_proj", "o_proj"), EnumSet.of(TrainableExtra.EMBED, TrainableExtra.NORM)), 11,
                n -> base.weights().get(n), null);
        Map<String, INDArray> extras = new LinkedHashMap<>();
        init.extras().forEach((n, t) -> extras.put(n, t.mul(n.contains("norm") ? 1.5 : 0.8)));
        LoraAdapter trained = new LoraAdapter(init.config(), fixture.modules(), extras, null, null);
        Path adapter = writeAdapter(tmp.resolve("adapter"), trained);
        Path out = tmp.resolve("out");
        MergeExporter.Result r = export(Fixtures.tinyBase(), adapter, out, MergeExporter.Options.defaults());
        assertEquals(6, r.replacedTensors());

        LlamaModel merged = LlamaModel.load(out);
        extras.forEach((n, t) -> assertEquals(t, merged.weights().get(n), n));
        LoraAdapter reread = PeftAdapterIO.read(adapter);
        AdaptedModel unmerged = AdaptedModel.unmerged(base, reread, "adapter");
        double u = score(unmerged.model(), AttentionPattern.FULL, unmerged.projection());
        assertEquals(u, score(merged, AttentionPattern.FULL, Projection.PLAIN), 1e-5);
        assertNotEquals(u, score(LoraMerger.merged(base, fixture), AttentionPattern.FULL, Projection.PLAIN), 1e-3);
    }

    /** Everything in {@code dir} except the test's inputs, sorted; temporary merge directories would show. */
    private static List<String> leftovers(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("base")).sorted().toList();
        }
    }
}
