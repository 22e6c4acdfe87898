package dev.sinklora.model.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinklora.model.BadInputException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way a file can be malformed is rejected at open with a message naming the file (and tensor). */
class SafetensorsMalformedTest {

    @TempDir
    Path dir;

    private BadInputException rejected(Path file, String... mustMention) {
        BadInputException e = assertThrows(BadInputException.class, () -> SafetensorsFile.open(file).close());
        assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
        for (String s : mustMention) {
            assertTrue(e.getMessage().contains(s), "expected \"" + s + "\" in: " + e.getMessage());
        }
        return e;
    }

    private Path tensorFile(String name, String entryJson, byte[] data) throws IOException {
        return RawSafetensors.write(dir.resolve(name + ".safetensors"), "{\"w\":" + entryJson + "}", data);
    }

    @Test
    void fileShorterThanTheLengthPrefix() throws IOException {
        Path f = dir.resolve("short.safetensors");
        Files.write(f, new byte[] {1, 0, 0});
        rejected(f, "too short");
    }

    @Test
    void headerLengthAboveTheCap() throws IOException {
        byte[] header = "{}".getBytes(StandardCharsets.UTF_8);
        rejected(RawSafetensors.write(dir.resolve("huge.safetensors"), 100_000_001L, header, new byte[0]),
                "100000001", "exceeds");
        // a length whose top bit is set reads as a negative long: still "too large", printed unsigned
        rejected(RawSafetensors.write(dir.resolve("neg.safetensors"), -1L, header, new byte[0]),
                "18446744073709551615");
    }

    @Test
    void headerLengthPastTheEndOfTheFile() throws IOException {
        byte[] header = "{}".getBytes(StandardCharsets.UTF_8);
        rejected(RawSafetensors.write(dir.resolve("long.safetensors"), 1000, header, new byte[0]),
                "1000", "past the end");
    }

    @Test
    void headerNotJson() throws IOException {
        rejected(RawSafetensors.write(dir.resolve("nojson.safetensors"), "{\"w\":", new byte[0]), "not valid JSON");
        rejected(RawSafetensors.write(dir.resolve("trailing.safetensors"), "{} x", new byte[0]), "not valid JSON");
        rejected(RawSafetensors.write(dir.resolve("empty.safetensors"), "", new byte[0]), "not a JSON object");
        rejected(RawSafetensors.write(dir.resolve("array.safetensors"), "[1, 2]", new byte[0]), "not a JSON object");
        byte[] badUtf8 = {'{', '"', (byte) 0xC3, '"', ':', '1', '}'};
        rejected(RawSafetensors.write(dir.resolve("utf8.safetensors"), badUtf8.length, badUtf8, new byte[0]),
                "not valid JSON");
    }

    @Test
    void duplicateTensorNames() throws IOException {
        String entry = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
        rejected(RawSafetensors.write(dir.resolve("dup.safetensors"), "{\"w\":" + entry + ",\"w\":" + entry + "}",
                RawSafetensors.f32(1)), "Duplicate", "'w'");
    }

    @Test
    void entryNotAnObjectOrMissingFields() throws IOException {
        rejected(tensorFile("notobj", "[1]", new byte[0]), "'w'", "not a JSON object");
        rejected(tensorFile("nodtype", "{\"shape\":[1],\"data_offsets\":[0,4]}", new byte[4]), "'w'", "dtype");
        rejected(tensorFile("noshape", "{\"dtype\":\"F32\",\"data_offsets\":[0,4]}", new byte[4]), "'w'", "shape");
        rejected(tensorFile("nooffsets", "{\"dtype\":\"F32\",\"shape\":[1]}", new byte[4]), "'w'", "data_offsets");
        rejected(tensorFile("threeoffsets", "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}",
                new byte[8]), "'w'", "data_offsets");
    }

    @Test
    void unknownDtype() throws IOException {
        rejected(tensorFile("i64", "{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}", new byte[8]),
                "'w'", "I64");
    }

    @Test
    void negativeOrNonIntegerShape() throws IOException {
        rejected(tensorFile("neg", "{\"dtype\":\"F32\",\"shape\":[-1,2],\"data_offsets\":[0,8]}", new byte[8]),
                "'w'", "shape", "-1");
        rejected(tensorFile("frac", "{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,10]}", new byte[10]),
                "'w'", "shape", "2.5");
        rejected(tensorFile("str", "{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}", new byte[8]),
                "'w'", "shape");
        rejected(tensorFile("big", "{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,8]}",
                new byte[8]), "'w'", "shape");
        rejected(tensorFile("overflow",
                "{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}", new byte[8]),
                "'w'", "too large");
    }

    @Test
    void negativeOffsets() throws IOException {
        rejected(tensorFile("negoff", "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}", new byte[4]),
                "'w'", "data_offsets");
    }

    @Test
    void byteSpanDisagreesWithShapeAndDtype() throws IOException {
        rejected(tensorFile("span", "{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,24]}", new byte[24]),
                "'w'", "needs 12 bytes", "span 24");
    }

    @Test
    void beginAfterEnd() throws IOException {
        rejected(tensorFile("reversed", "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}", new byte[8]),
                "'w'", "begin after end");
    }

    @Test
    void rangePastTheEndOfTheFile() throws IOException {
        rejected(tensorFile("past", "{\"dtype\":\"F32\",\"shape\":[250],\"data_offsets\":[0,1000]}", new byte[16]),
                "'w'", "past the end", "16-byte data section");
    }

    @Test
    void truncatedFileIsRejectedNamingTheLastTensor() throws IOException {
        String header = "{\"first\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"last\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[16,32]}}";
        Path f = RawSafetensors.write(dir.resolve("truncated.safetensors"), header, new byte[32]);
        SafetensorsFile.open(f).close(); // intact: fine
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 3);
        }
        rejected(f, "'last'", "past the end");
    }

    @Test
    void overlappingTensors() throws IOException {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}";
        rejected(RawSafetensors.write(dir.resolve("overlap.safetensors"), header, new byte[24]),
                "'a'", "'b'", "overlap");
        // the same tensor bytes aliased under two names is an overlap too
        String alias = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        rejected(RawSafetensors.write(dir.resolve("alias.safetensors"), alias, new byte[8]), "overlap");
    }

    @Test
    void metadataMustMapStringsToStrings() throws IOException {
        rejected(RawSafetensors.write(dir.resolve("metanum.safetensors"), "{\"__metadata__\":{\"step\":5}}",
                new byte[0]), "__metadata__", "step");
        rejected(RawSafetensors.write(dir.resolve("metaarr.safetensors"), "{\"__metadata__\":[]}", new byte[0]),
                "__metadata__");
    }

    @Test
    void gapsUnusedTrailingBytesAndEmptyTensorsAreTolerated() throws IOException {
        String header = "{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"none\":{\"dtype\":\"F32\",\"shape\":[0,5],\"data_offsets\":[4,4]},"
                + "\"__metadata__\":{\"format\":\"pt\"}}";
        byte[] data = RawSafetensors.f32(1, 2, 99, 99, 3, 4, 99, 99); // gap at [8,16), trailing [24,32)
        Path f = RawSafetensors.write(dir.resolve("gaps.safetensors"), header, data);
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertEquals(List.of("b", "a", "none"), List.copyOf(sf.tensors().keySet()));
            assertEquals(Map.of("format", "pt"), sf.metadata());
            assertArrayEquals(new float[] {1, 2}, sf.loadFloats("a"));
            assertArrayEquals(new float[] {3, 4}, sf.load("b").data().asFloat());
            assertArrayEquals(new long[] {0, 5}, sf.load("none").shape());
            assertEquals(0, sf.loadFloats("none").length);
        }
    }

    @Test
    void emptyHeaderObjectIsAValidEmptyFile() throws IOException {
        try (SafetensorsFile sf = SafetensorsFile.open(
                RawSafetensors.write(dir.resolve("nothing.safetensors"), "{}", new byte[0]))) {
            assertTrue(sf.tensors().isEmpty());
            assertTrue(sf.metadata().isEmpty());
        }
    }
}
