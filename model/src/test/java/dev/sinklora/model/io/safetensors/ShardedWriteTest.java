package dev.sinklora.model.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.model.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class ShardedWriteTest {

    @TempDir
    Path dir;

    private SafetensorsWriter.OutputFiles into(Path target) {
        return name -> Files.newOutputStream(target.resolve(name));
    }

    private static List<String> fileNames(Path target) throws IOException {
        try (var files = Files.list(target)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void smallShardLimitGivesSeveralShardsAndAnIndexThatCheckpointReadsBack() throws IOException {
        try (SafetensorsFile original = SafetensorsFile.open(Fixtures.baseModel())) {
            long maxShard = 100_000; // embed/lm_head are 65536 B each; layer tensors 256 B .. 44032 B
            List<String> written = SafetensorsWriter.writeSharded(into(dir),
                    SafetensorsWriterTest.reexport(original, DType.F32), maxShard, original.metadata());

            assertTrue(written.size() > 3, written.toString());
            int shards = written.size() - 1;
            for (int i = 0; i < shards; i++) {
                assertEquals(String.format("model-%05d-of-%05d.safetensors", i + 1, shards), written.get(i));
            }
            assertEquals("model.safetensors.index.json", written.get(shards));
            assertEquals(new TreeSet<>(written), new TreeSet<>(fileNames(dir)));

            JsonNode index = new ObjectMapper().readTree(dir.resolve("model.safetensors.index.json").toFile());
            long totalSize = original.tensors().values().stream().mapToLong(TensorInfo::byteLength).sum();
            assertEquals(totalSize, index.get("metadata").get("total_size").longValue());
            Set<String> mapped = new HashSet<>();
            index.get("weight_map").fieldNames().forEachRemaining(mapped::add);
            assertEquals(original.tensors().keySet(), mapped);

            for (String shard : written.subList(0, shards)) {
                try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(shard))) {
                    long bytes = f.tensors().values().stream().mapToLong(TensorInfo::byteLength).sum();
                    assertTrue(bytes <= maxShard, shard + " holds " + bytes);
                    assertEquals(original.metadata(), f.metadata());
                    for (String name : f.tensors().keySet()) {
                        assertEquals(shard, index.get("weight_map").get(name).textValue(), name);
                    }
                }
            }

            try (Checkpoint ckpt = Checkpoint.open(dir)) {
                assertEquals(new TreeSet<>(original.tensors().keySet()), ckpt.names());
                for (TensorInfo t : original.tensors().values()) {
                    assertArrayEquals(t.shape(), ckpt.info(t.name()).shape(), t.name());
                    assertArrayEquals(original.load(t.name()).data().asFloat(),
                            ckpt.load(t.name()).data().asFloat(), t.name());
                }
            }
        }
    }

    @Test
    void everythingFittingOneShardIsAPlainModelFileWithoutIndex() throws IOException {
        try (SafetensorsFile original = SafetensorsFile.open(Fixtures.baseModel())) {
            List<String> written = SafetensorsWriter.writeSharded(into(dir),
                    SafetensorsWriterTest.reexport(original, DType.BF16), SafetensorsWriter.parseSize("5GB"),
                    Map.of());
            assertEquals(List.of("model.safetensors"), written);
            assertEquals(List.of("model.safetensors"), fileNames(dir));
            try (Checkpoint ckpt = Checkpoint.open(dir)) {
                assertEquals(original.tensors().size(), ckpt.names().size());
                assertEquals(DType.BF16, ckpt.dominantDType());
            }
        }
    }

    @Test
    void duplicateNamesAcrossShardsAreRefusedBeforeWriting() {
        List<SafetensorsWriter.Entry> entries = List.of(
                new SafetensorsWriter.Entry("w", DType.F32, new long[] {4}, () -> Nd4j.ones(DataType.FLOAT, 4)),
                new SafetensorsWriter.Entry("w", DType.F32, new long[] {4}, () -> Nd4j.ones(DataType.FLOAT, 4)));
        assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.writeSharded(into(dir), entries, 16,
                Map.of()));
        assertFalse(Files.exists(dir.resolve("model-00001-of-00002.safetensors")));
    }

    private static List<List<String>> plan(long max, long... sizes) {
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            entries.add(new SafetensorsWriter.Entry("t" + i, DType.F32, new long[] {sizes[i] / 4}, () -> null));
        }
        return ShardPlanner.plan(entries, max).stream()
                .map(shard -> shard.stream().map(SafetensorsWriter.Entry::name).toList())
                .toList();
    }

    @Test
    void plannerFillsGreedilyInOrderAndIsolatesOversizedTensors() {
        assertEquals(List.of(List.of("t0", "t1"), List.of("t2")), plan(60, 30, 30, 30));
        assertEquals(List.of(List.of("t0", "t1"), List.of("t2", "t3")), plan(60, 20, 40, 40, 20));
        assertEquals(List.of(List.of("t0"), List.of("t1"), List.of("t2")), plan(50, 12, 100, 12));
        assertEquals(List.of(List.of("t0"), List.of("t1", "t2")), plan(50, 100, 12, 12));
        assertEquals(List.of(List.of("t0", "t1", "t2")), plan(1000, 12, 100, 12));
        assertEquals(List.of(List.of()), plan(10));
        assertThrows(IllegalArgumentException.class, () -> plan(0, 4));
    }

    @Test
    void parsesSizesWithHuggingFaceUnits() {
        assertEquals(5_000_000_000L, SafetensorsWriter.parseSize("5GB"));
        assertEquals(5L << 30, SafetensorsWriter.parseSize("5GiB"));
        assertEquals(500_000_000L, SafetensorsWriter.parseSize("500MB"));
        assertEquals(500L << 20, SafetensorsWriter.parseSize("500mib"));
        assertEquals(10_000L, SafetensorsWriter.parseSize("10KB"));
        assertEquals(2048L, SafetensorsWriter.parseSize("2048"));
        assertEquals(2048L, SafetensorsWriter.parseSize("2048B"));
        assertEquals(2_000_000_000_000L, SafetensorsWriter.parseSize(" 2 TB "));
        assertEquals(1L << 40, SafetensorsWriter.parseSize("1TiB"));
    }

    @Test
    void rejectsSizesThatAreNotSizes() {
        for (String s : new String[] {"", "abc", "5XB", "-5MB", "1.5GB", "GB", "5 G B", "0", "0MB",
                "99999999999GB", "99999999999999999999"}) {
            BadInputException e = assertThrows(BadInputException.class, () -> SafetensorsWriter.parseSize(s),
                    "\"" + s + "\"");
            assertTrue(e.getMessage().contains("\"" + s + "\""), e.getMessage());
        }
        assertThrows(BadInputException.class, () -> SafetensorsWriter.parseSize(null));
    }
}
