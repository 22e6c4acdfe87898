package dev.sinklora.merge;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.lora.LoraAdapter;
import dev.sinklora.model.lora.LoraModule;
import dev.sinklora.model.lora.MergeExporter;
import dev.sinklora.model.lora.PeftAdapterIO;
import dev.sinklora.testing.SparkTestSession;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Batch export on Spark (local[2]) over the local file system through Hadoop FileSystem. */
class MergeJobTest {

    private static MergeSpec template(Path out) {
        return new MergeSpec(null, TinyLlama.base().toString(), null, out.toString(), null,
                MergeExporter.DEFAULT_MAX_SHARD_BYTES, false, null);
    }

    /** The fixture adapter with every B doubled: a different, valid adapter. */
    private static void writeDoubled(Path dir) throws IOException {
        LoraAdapter a = PeftAdapterIO.read(TinyLlama.adapter());
        Map<String, LoraModule> m = new LinkedHashMap<>();
        a.modules().forEach((k, v) -> m.put(k, new LoraModule(k, v.a(), v.b().mul(2))));
        PeftAdapterIO.write(dir, new LoraAdapter(a.config(), m, a.extras(), a.trainingInfo(), null));
    }

    @Test
    void exportsEveryStepOfARunInItsOwnTaskAndReportsBadOnes(@TempDir Path tmp) throws IOException {
        Path run = tmp.resolve("run");
        TinyLlama.copyDir(TinyLlama.adapter(), run.resolve("step-000100"));
        writeDoubled(run.resolve("step-000200/adapter"));
        Path broken = TinyLlama.copyDir(TinyLlama.adapter(), run.resolve("step-000300"));
        try (FileChannel ch = FileChannel.open(broken.resolve("adapter_model.safetensors"), StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 8);
        }
        Files.createDirectories(run.resolve("logs"));
        Path single = TinyLlama.copyDir(TinyLlama.adapter(), tmp.resolve("extra/final"));
        Path out = tmp.resolve("out");

        List<MergeOutcome> outcomes = MergeJob.mergeAll(SparkTestSession.get(), new Configuration(),
                List.of(run.toString(), single.toString()), template(out));

        assertEquals(List.of("step-000100", "step-000200", "step-000300", "final"),
                outcomes.stream().map(MergeOutcome::name).toList());
        assertTrue(outcomes.get(0).ok() && outcomes.get(1).ok() && outcomes.get(3).ok(), outcomes.toString());
        MergeOutcome bad = outcomes.get(2);
        assertFalse(bad.ok());
        assertTrue(bad.error().contains("adapter_model.safetensors"), bad.error());

        try (Stream<Path> s = Files.list(out)) {
            assertEquals(List.of("final", "step-000100", "step-000200"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        double s100 = TinyLlama.score(LlamaModel.load(out.resolve("step-000100")));
        double s200 = TinyLlama.score(LlamaModel.load(out.resolve("step-000200")));
        assertEquals(TinyLlama.scoreUnmerged(TinyLlama.adapter()), s100, 1e-5);
        assertEquals(TinyLlama.scoreUnmerged(run.resolve("step-000200/adapter")), s200, 1e-5);
        assertNotEquals(s100, s200, 1e-3);
        assertEquals(s100, TinyLlama.score(LlamaModel.load(out.resolve("final"))), 0.0);
    }

    @Test
    void relativePathsReachTheTasksQualified(@TempDir Path tmp) throws IOException {
        // an executor resolves a relative path in its own working directory (on a worker: the application's folder)
        Path cwd = Path.of("").toAbsolutePath();
        TinyLlama.copyDir(TinyLlama.adapter(), tmp.resolve("run/step-000001"));
        MergeSpec relative = new MergeSpec(null, cwd.relativize(TinyLlama.base().toAbsolutePath()).toString(), null,
                cwd.relativize(tmp.resolve("out")).toString(), null, MergeExporter.DEFAULT_MAX_SHARD_BYTES, false, null);
        MergeSpec spec = MergeJob.plan(new Configuration(), List.of(cwd.relativize(tmp.resolve("run")).toString()),
                relative).get(0);
        for (String uri : List.of(spec.base(), spec.adapter(), spec.out())) {
            assertTrue(uri.startsWith("file:/"), uri);
        }
        assertEquals(TinyLlama.base().toRealPath(), Path.of(URI.create(spec.base())).toRealPath());
        assertEquals(tmp.resolve("run/step-000001").toRealPath(), Path.of(URI.create(spec.adapter())).toRealPath());
        assertEquals(tmp.toRealPath().resolve("out/step-000001"), Path.of(URI.create(spec.out())).normalize());
    }

    @Test
    void adaptersThatWouldExportToTheSameNameAreRejected(@TempDir Path tmp) throws IOException {
        Path a = TinyLlama.copyDir(TinyLlama.adapter(), tmp.resolve("x/adapter"));
        Path b = TinyLlama.copyDir(TinyLlama.adapter(), tmp.resolve("y/adapter"));
        BadInputException e = assertThrows(BadInputException.class, () -> MergeJob.plan(new Configuration(),
                List.of(a.toString(), b.toString()), template(tmp.resolve("out"))));
        assertTrue(e.getMessage().contains("x/adapter") && e.getMessage().contains("y/adapter"), e.getMessage());
    }

    @Test
    void aDirectoryThatIsNeitherAdapterNorRunIsRejected(@TempDir Path tmp) throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("nothing"));
        BadInputException e = assertThrows(BadInputException.class, () -> MergeJob.plan(new Configuration(),
                List.of(empty.toString()), template(tmp.resolve("out"))));
        assertTrue(e.getMessage().contains("nothing") && e.getMessage().contains("step-*"), e.getMessage());
    }
}
