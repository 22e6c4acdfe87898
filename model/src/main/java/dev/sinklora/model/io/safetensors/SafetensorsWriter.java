package dev.sinklora.model.io.safetensors;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.model.BadInputException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Writes safetensors files, one tensor at a time: the header is computed from the entries' names, dtypes and
 * shapes, then each entry's data is fetched from its callback, converted and streamed out before the next callback
 * runs. Output is byte-deterministic: the same entries and metadata always give the same bytes.
 */
public final class SafetensorsWriter {

    /** One tensor to write: stored as {@code dtype} with {@code shape}; {@code bytes} supplies the values. */
    public record Entry(String name, DType dtype, long[] shape, TensorBytes bytes) {
        public Entry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dtype, "dtype");
            Objects.requireNonNull(bytes, "bytes");
            if (name.equals(SafetensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException("tensor name " + name + " is reserved");
            }
            shape = shape.clone();
            for (long d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException("tensor '" + name + "': negative dimension in shape "
                            + Arrays.toString(shape));
                }
            }
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** Number of elements. */
        public long numel() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }

        /** Bytes the tensor will occupy in the data section. */
        public long byteLength() {
            return Math.multiplyExact(numel(), dtype.byteSize());
        }
    }

    /** Produces a tensor's values; called once, when the tensor is about to be written. */
    @FunctionalInterface
    public interface TensorBytes {
        /** The values with the entry's shape; FLOAT is expected, other types are cast to FLOAT first. */
        INDArray get() throws IOException;
    }

    /** Where sharded output goes: creates (overwriting) a file of that name in the target directory. */
    @FunctionalInterface
    public interface OutputFiles {
        OutputStream create(String fileName) throws IOException;
    }

    /** The file name of an unsharded checkpoint. */
    public static final String SINGLE_FILE_NAME = "model.safetensors";

    /** The index file name of a sharded checkpoint. */
    public static final String INDEX_FILE_NAME = ShardIndex.FILE_NAME;

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([KMGT]I?B|B)?", Pattern.CASE_INSENSITIVE);

    private SafetensorsWriter() {
    }

    /**
     * Writes one safetensors file to {@code out} (flushed, not closed). Tensors appear in the data section in
     * list order, contiguous; {@code metadata} (may be empty) is written with its keys sorted.
     *
     * @throws IllegalArgumentException for duplicate names
     * @throws IllegalStateException if a callback returns an array whose shape differs from its entry's
     */
    public static void write(OutputStream out, List<Entry> entries, Map<String, String> metadata) throws IOException {
        byte[] header = header(entries, metadata);
        ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
        out.write(length.array());
        out.write(header);
        for (Entry e : entries) {
            writeData(e, out);
        }
        out.flush();
    }

    /** Writes one safetensors file at {@code file}, replacing any existing file. */
    public static void write(Path file, List<Entry> entries, Map<String, String> metadata) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            write(out, entries, metadata);
        }
    }

    /**
     * Writes a checkpoint split into shards of at most {@code maxShardBytes} of tensor data (see
     * {@link ShardPlanner}): {@code model-00001-of-0000N.safetensors}... plus {@code model.safetensors.index.json};
     * or, when everything fits one shard, a single {@code model.safetensors} and no index. Every shard carries
     * {@code metadata}.
     *
     * @return the file names written, in writing order (the index last)
     */
    public static List<String> writeSharded(OutputFiles out, List<Entry> entries, long maxShardBytes,
            Map<String, String> metadata) throws IOException {
        checkUniqueNames(entries);
        List<List<Entry>> shards = ShardPlanner.plan(entries, maxShardBytes);
        if (shards.size() == 1) {
            writeFile(out, SINGLE_FILE_NAME, entries, metadata);
            return List.of(SINGLE_FILE_NAME);
        }
        List<String> written = new ArrayList<>();
        Map<String, String> weightMap = new LinkedHashMap<>();
        long totalSize = 0;
        for (int i = 0; i < shards.size(); i++) {
            String fileName = ShardPlanner.shardFileName(i, shards.size());
            writeFile(out, fileName, shards.get(i), metadata);
            written.add(fileName);
            for (Entry e : shards.get(i)) {
                weightMap.put(e.name(), fileName);
                totalSize += e.byteLength();
            }
        }
        try (OutputStream index = out.create(INDEX_FILE_NAME)) {
            ShardIndex.write(index, totalSize, weightMap);
        }
        written.add(INDEX_FILE_NAME);
        return written;
    }

    /**
     * Parses a shard size the way Hugging Face does: a plain byte count, or an integer with a unit, where
     * KB/MB/GB/TB are powers of 10 and KiB/MiB/GiB/TiB powers of 2 (units case-insensitive, e.g. "5GB", "500MB").
     *
     * @throws BadInputException for anything else, zero, or a size beyond {@code Long.MAX_VALUE}
     */
    public static long parseSize(String s) {
        Matcher m = SIZE.matcher(s == null ? "" : s.strip());
        if (!m.matches()) {
            throw new BadInputException("size \"" + s + "\" is not a byte count like 2048, 500MB, 5GB or 4GiB");
        }
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
        long multiplier = switch (unit) {
            case "B" -> 1L;
            case "KB" -> 1_000L;
            case "MB" -> 1_000_000L;
            case "GB" -> 1_000_000_000L;
            case "TB" -> 1_000_000_000_000L;
            case "KIB" -> 1L << 10;
            case "MIB" -> 1L << 20;
            case "GIB" -> 1L << 30;
            case "TIB" -> 1L << 40;
            default -> throw new IllegalStateException("pattern admitted unit " + unit);
        };
        try {
            long bytes = Math.multiplyExact(Long.parseLong(m.group(1)), multiplier);
            if (bytes == 0) {
                throw new BadInputException("size \"" + s + "\" must be positive");
            }
            return bytes;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new BadInputException("size \"" + s + "\" is too large", e);
        }
    }

    private static void writeFile(OutputFiles out, String fileName, List<Entry> entries, Map<String, String> metadata)
            throws IOException {
        try (OutputStream os = out.create(fileName)) {
            write(os, entries, metadata);
        }
    }

    /** The JSON header, padded with spaces to a multiple of 8 bytes so the data section is 8-byte aligned. */
    private static byte[] header(List<Entry> entries, Map<String, String> metadata) throws IOException {
        checkUniqueNames(entries);
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(SafetensorsHeader.METADATA_KEY);
            new TreeMap<>(metadata).forEach(meta::put);
        }
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = root.putObject(e.name());
            t.put("dtype", e.dtype().name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.shape()) {
                shape.add(d);
            }
            long end = offset + e.byteLength();
            t.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        byte[] padded = Arrays.copyOf(json, (json.length + 7) & ~7);
        Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        return padded;
    }

    private static void checkUniqueNames(List<Entry> entries) {
        Set<String> seen = new HashSet<>();
        for (Entry e : entries) {
            if (!seen.add(e.name())) {
                throw new IllegalArgumentException("tensor '" + e.name() + "' listed twice");
            }
        }
    }

    private static void writeData(Entry entry, OutputStream out) throws IOException {
        INDArray array = entry.bytes().get();
        if (array == null || !Arrays.equals(array.shape(), entry.shape())) {
            throw new IllegalStateException("tensor '" + entry.name() + "': header says shape "
                    + Arrays.toString(entry.shape()) + " but the data has shape "
                    + (array == null ? "null" : Arrays.toString(array.shape())));
        }
        if (entry.numel() == 0) {
            return;
        }
        if (array.dataType() != DataType.FLOAT) {
            array = array.castTo(DataType.FLOAT);
        }
        if (array.isView() || array.ordering() != 'c' || array.data().offset() != 0) {
            array = array.dup('c');
        }
        Nd4j.getAffinityManager().ensureLocation(array, AffinityManager.Location.HOST);
        TensorCodec.DEFAULT.encode(FloatWindows.of(array), entry.numel(), entry.dtype(), out);
    }
}
