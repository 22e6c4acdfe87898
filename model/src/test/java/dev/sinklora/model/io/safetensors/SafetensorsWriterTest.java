package dev.sinklora.model.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SafetensorsWriterTest {

    @TempDir
    Path dir;

    /** Entries re-exporting every tensor of {@code source} as {@code dtype}, in header order. */
    static List<SafetensorsWriter.Entry> reexport(SafetensorsFile source, DType dtype) {
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (TensorInfo t : source.tensors().values()) {
            entries.add(new SafetensorsWriter.Entry(t.name(), dtype, t.shape(), () -> source.load(t.name())));
        }
        return entries;
    }

    private static SafetensorsWriter.Entry entry(String name, DType dtype, INDArray values) {
        return new SafetensorsWriter.Entry(name, dtype, values.shape(), () -> values);
    }

    private static byte[] bytesOf(List<SafetensorsWriter.Entry> entries, Map<String, String> metadata)
            throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafetensorsWriter.write(out, entries, metadata);
        return out.toByteArray();
    }

    private static long headerLength(byte[] file) {
        return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    @Test
    void f32FixtureRoundTripsBitExactlyWithTheSameDataSection() throws IOException {
        Path copy = dir.resolve("copy.safetensors");
        try (SafetensorsFile original = SafetensorsFile.open(Fixtures.baseModel())) {
            SafetensorsWriter.write(copy, reexport(original, DType.F32), original.metadata());
            try (SafetensorsFile reread = SafetensorsFile.open(copy)) {
                assertEquals(List.copyOf(original.tensors().keySet()), List.copyOf(reread.tensors().keySet()));
                assertEquals(original.metadata(), reread.metadata());
                for (TensorInfo t : original.tensors().values()) {
                    TensorInfo r = reread.info(t.name());
                    assertArrayEquals(t.shape(), r.shape(), t.name());
                    assertEquals(DType.F32, r.dtype());
                    assertEquals(t.begin(), r.begin(), t.name()); // same order, contiguous: same offsets
                    int[] expectedBits = bits(original.loadFloats(t.name()));
                    assertArrayEquals(expectedBits, bits(reread.loadFloats(t.name())), t.name());
                    assertArrayEquals(expectedBits, bits(reread.load(t.name()).data().asFloat()), t.name());
                }
            }
        }
        byte[] originalBytes = Files.readAllBytes(Fixtures.baseModel());
        byte[] copyBytes = Files.readAllBytes(copy);
        assertArrayEquals(
                Arrays.copyOfRange(originalBytes, 8 + (int) headerLength(originalBytes), originalBytes.length),
                Arrays.copyOfRange(copyBytes, 8 + (int) headerLength(copyBytes), copyBytes.length),
                "data sections differ");
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }

    @Test
    void headerIsSpacePaddedJsonWithContiguousOffsetsInEntryOrder() throws IOException {
        byte[] file = bytesOf(List.of(
                entry("z", DType.F16, Nd4j.rand(DataType.FLOAT, 3)),
                entry("a", DType.F32, Nd4j.rand(DataType.FLOAT, 2, 2)),
                entry("m", DType.BF16, Nd4j.rand(DataType.FLOAT, 1))), Map.of("format", "pt"));
        long n = headerLength(file);
        assertEquals(0, n % 8, "header length " + n);
        String header = new String(file, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"},\"z\":"), header);
        String trimmed = header.stripTrailing();
        assertTrue(trimmed.endsWith("}"), header);
        assertTrue(n - trimmed.length() < 8, "padding beyond the next multiple of 8");
        JsonNode json = new ObjectMapper().readTree(header);
        assertEquals(List.of("__metadata__", "z", "a", "m"), fieldNames(json));
        assertEquals("[0,6]", json.get("z").get("data_offsets").toString());
        assertEquals("[6,22]", json.get("a").get("data_offsets").toString());
        assertEquals("[22,24]", json.get("m").get("data_offsets").toString());
        assertEquals("[2,2]", json.get("a").get("shape").toString());
        assertEquals("BF16", json.get("m").get("dtype").textValue());
        assertEquals(8 + n + 24, file.length, "data section is exactly the tensors, no gaps or tail");
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void withoutMetadataThereIsNoMetadataEntry() throws IOException {
        byte[] file = bytesOf(List.of(entry("w", DType.F32, Nd4j.ones(2))), Map.of());
        String header = new String(file, 8, (int) headerLength(file), StandardCharsets.UTF_8);
        assertFalse(header.contains("__metadata__"), header);
    }

    @Test
    void halfPrecisionRoundTripsWithinTheFormatsPrecision() throws IOException {
        Random random = new Random(7);
        float[] values = new float[1000];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(7) - 3));
        }
        INDArray array = Nd4j.createFromArray(values).reshape(40, 25);
        Path f = dir.resolve("half.safetensors");
        SafetensorsWriter.write(f, List.of(entry("h", DType.F16, array), entry("b", DType.BF16, array)), Map.of());
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertEquals(DType.F16, sf.info("h").dtype());
            assertEquals(DType.BF16, sf.info("b").dtype());
            assertArrayEquals(new long[] {40, 25}, sf.load("h").shape());
            float[] h = sf.load("h").data().asFloat();
            float[] b = sf.load("b").data().asFloat();
            for (int i = 0; i < values.length; i++) {
                float v = values[i];
                // exactly the format's rounding of the value...
                assertEquals(HalfFloats.f16ToF32(HalfFloats.f32ToF16(v)), h[i]);
                assertEquals(HalfFloats.bf16ToF32(HalfFloats.f32ToBf16(v)), b[i]);
                // ...which is within half an ulp: 2^-11 relative for F16 normals (absolute 2^-25 below them),
                // 2^-8 relative for BF16
                assertTrue(Math.abs(h[i] - v) <= Math.max(Math.abs(v) * 0x1p-11f, 0x1p-25f), v + " -> " + h[i]);
                assertTrue(Math.abs(b[i] - v) <= Math.abs(v) * 0x1p-8f, v + " -> " + b[i]);
            }
        }
    }

    @Test
    void tensorsSpanningSeveralChunksLandInPlace() throws IOException {
        int n = (TensorCodec.DEFAULT_CHUNK_BYTES / 4) * 2 + 12345; // > 2 chunks of F32, > 1 chunk of F16
        float[] exactF32 = new float[n];
        float[] exactHalf = new float[n];
        for (int i = 0; i < n; i++) {
            exactF32[i] = i; // integers below 2^24 are exact in F32
            exactHalf[i] = (i * 7919L) % 2039 - 1000; // exact in F16; period 2039 divides no chunk size
        }
        Path f = dir.resolve("big.safetensors");
        SafetensorsWriter.write(f, List.of(
                entry("f32", DType.F32, Nd4j.createFromArray(exactF32)),
                entry("f16", DType.F16, Nd4j.createFromArray(exactHalf))), Map.of());
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertArrayEquals(exactF32, sf.load("f32").data().asFloat());
            assertArrayEquals(exactHalf, sf.load("f16").data().asFloat());
            assertArrayEquals(exactHalf, sf.loadFloats("f16"));
        }
    }

    @Test
    void scalarAndEmptyTensorsRoundTrip() throws IOException {
        Path f = dir.resolve("odd.safetensors");
        SafetensorsWriter.write(f, List.of(
                entry("scalar", DType.F32, Nd4j.scalar(2.5f)),
                entry("empty", DType.F16, Nd4j.create(DataType.FLOAT, 0, 3)),
                entry("after", DType.F32, Nd4j.createFromArray(7f, 8f))), Map.of());
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertArrayEquals(new long[0], sf.info("scalar").shape());
            assertEquals(2.5f, sf.load("scalar").getFloat(0));
            assertEquals(0, sf.info("empty").byteLength());
            assertArrayEquals(new long[] {0, 3}, sf.load("empty").shape());
            assertArrayEquals(new float[] {7f, 8f}, sf.loadFloats("after"));
        }
    }

    @Test
    void viewsFortranOrderAndDoublesAreWrittenInLogicalCOrder() throws IOException {
        INDArray matrix = Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}});
        Path f = dir.resolve("layouts.safetensors");
        SafetensorsWriter.write(f, List.of(
                entry("transposed", DType.F32, matrix.transpose()),
                entry("fortran", DType.F32, matrix.dup('f')),
                entry("row", DType.F32, matrix.getRow(1)),
                entry("double", DType.F32, matrix.castTo(DataType.DOUBLE))), Map.of());
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, sf.loadFloats("transposed"));
            assertArrayEquals(new long[] {3, 2}, sf.info("transposed").shape());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, sf.loadFloats("fortran"));
            assertArrayEquals(new float[] {4, 5, 6}, sf.loadFloats("row"));
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, sf.loadFloats("double"));
        }
    }

    @Test
    void writingIsByteDeterministic() throws IOException {
        try (SafetensorsFile original = SafetensorsFile.open(Fixtures.baseModel())) {
            Map<String, String> meta1 = new LinkedHashMap<>();
            meta1.put("format", "pt");
            meta1.put("a", "1");
            Map<String, String> meta2 = new HashMap<>();
            meta2.put("a", "1");
            meta2.put("format", "pt");
            for (DType dtype : DType.values()) {
                byte[] first = bytesOf(reexport(original, dtype), meta1);
                byte[] second = bytesOf(reexport(original, dtype), meta2);
                assertArrayEquals(first, second, dtype.name());
            }
        }
    }

    @Test
    void callbacksRunOneAtATimeAfterThePreviousTensorIsWritten() throws IOException {
        long[] written = {0};
        OutputStream counting = new OutputStream() {
            @Override
            public void write(int b) {
                written[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                written[0] += len;
            }
        };
        List<Long> seenAtCall = new ArrayList<>();
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            entries.add(new SafetensorsWriter.Entry("t" + i, DType.F32, new long[] {10}, () -> {
                seenAtCall.add(written[0]);
                return Nd4j.ones(DataType.FLOAT, 10);
            }));
        }
        SafetensorsWriter.write(counting, entries, Map.of());
        long headerEnd = seenAtCall.get(0);
        assertEquals(List.of(headerEnd, headerEnd + 40, headerEnd + 80, headerEnd + 120), seenAtCall);
        assertEquals(headerEnd + 160, written[0]);
    }

    @Test
    void callbackReturningTheWrongShapeFailsNamingTheTensor() {
        SafetensorsWriter.Entry e = new SafetensorsWriter.Entry("w", DType.F32, new long[] {2, 3},
                () -> Nd4j.ones(DataType.FLOAT, 3, 2));
        IllegalStateException ex = assertThrows(IllegalStateException.class,
                () -> SafetensorsWriter.write(new ByteArrayOutputStream(), List.of(e), Map.of()));
        assertTrue(ex.getMessage().contains("'w'") && ex.getMessage().contains("[3, 2]"), ex.getMessage());
    }

    @Test
    void invalidEntriesAreRefused() {
        INDArray one = Nd4j.ones(1);
        assertThrows(IllegalArgumentException.class,
                () -> bytesOf(List.of(entry("w", DType.F32, one), entry("w", DType.F16, one)), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> entry("__metadata__", DType.F32, one));
        assertThrows(IllegalArgumentException.class,
                () -> new SafetensorsWriter.Entry("w", DType.F32, new long[] {-1}, () -> one));
    }

    @Test
    void entryShapeIsCopied() {
        long[] shape = {2, 3};
        SafetensorsWriter.Entry e = new SafetensorsWriter.Entry("w", DType.BF16, shape, () -> null);
        shape[0] = 99;
        e.shape()[1] = 99;
        assertArrayEquals(new long[] {2, 3}, e.shape());
        assertEquals(12, e.byteLength());
    }
}
