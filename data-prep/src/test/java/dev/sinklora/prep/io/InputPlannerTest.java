package dev.sinklora.prep.io;

import dev.sinklora.model.BadInputException;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InputPlannerTest {
    @TempDir
    Path tmp;

    @Test
    void listsFilesFoldersAndGlobsSortedWithoutHiddenOrDuplicates() throws IOException {
        Files.createDirectories(tmp.resolve("d/sub"));
        Files.createDirectories(tmp.resolve("d/_temporary"));
        Files.writeString(tmp.resolve("d/b.jsonl"), "{}\n");
        Files.writeString(tmp.resolve("d/sub/a.txt"), "x");
        Files.writeString(tmp.resolve("d/_temporary/c.jsonl"), "{}\n");
        Files.writeString(tmp.resolve("d/.a.jsonl.crc"), "");
        Files.writeString(tmp.resolve("z.json"), "[]");
        List<InputFile> files = InputPlanner.listFiles(List.of(tmp.resolve("d").toString(),
                tmp.resolve("d/*.jsonl").toString(), tmp.resolve("z.json").toString()), null, true, new Configuration());
        assertEquals(List.of("b.jsonl", "a.txt", "z.json"),
                files.stream().map(f -> f.path().substring(f.path().lastIndexOf('/') + 1)).toList());
        assertEquals(List.of(InputFormat.JSONL, InputFormat.TEXT, InputFormat.JSON_ARRAY),
                files.stream().map(InputFile::format).toList());
        assertEquals(List.of(0, 1, 2), files.stream().map(InputFile::index).toList());
    }

    @Test
    void unknownExtensionAsksForFormat() throws IOException {
        Files.writeString(tmp.resolve("data.csv"), "a,b");
        BadInputException e = assertThrows(BadInputException.class,
                () -> InputPlanner.listFiles(List.of(tmp.resolve("data.csv").toString()), null, false, new Configuration()));
        assertTrue(e.getMessage().contains("data.csv") && e.getMessage().contains("--format"), e.getMessage());
        assertEquals(InputFormat.TEXT, InputPlanner.listFiles(List.of(tmp.resolve("data.csv").toString()),
                InputFormat.TEXT, false, new Configuration()).get(0).format());
    }

    @Test
    void onlyUncompressedJsonlIsCutIntoByteRanges() {
        InputFile big = new InputFile(0, "file:/big.jsonl", InputFormat.JSONL, 1000, false);
        InputFile gz = new InputFile(1, "file:/big.jsonl.gz", InputFormat.JSONL, 1000, true);
        InputFile txt = new InputFile(2, "file:/big.txt", InputFormat.TEXT, 1000, false);
        List<InputSplit> splits = InputPlanner.split(List.of(big, gz, txt), 300);
        assertEquals(6, splits.size());
        assertEquals(List.of(0L, 250L, 500L, 750L), splits.subList(0, 4).stream().map(InputSplit::start).toList());
        assertEquals(Long.MAX_VALUE, splits.get(3).end(), "the last range reads to the end of the file");
        assertTrue(splits.get(4).wholeFile() && splits.get(5).wholeFile());
        assertEquals(List.of(0, 1, 2, 3, 4, 5), splits.stream().map(InputSplit::index).toList());
    }
}
