package dev.sinklora.model.io.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.sinklora.model.BadInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed and validated safetensors header: the tensor entries in header order, the {@code __metadata__} strings,
 * and where the data section starts. {@link #read} checks everything that can be checked without reading tensor
 * data, so a file that opens can be loaded tensor by tensor without further format errors.
 */
record SafetensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata, long dataStart) {

    /** Largest header accepted; the reference implementation uses the same cap. */
    static final long MAX_HEADER_BYTES = 100L * 1000 * 1000;

    static final String METADATA_KEY = "__metadata__";

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static SafetensorsHeader read(ByteRangeSource source) throws IOException {
        String file = source.describe();
        long size = source.size();
        if (size < 8) {
            throw bad(file, "file is " + size + " bytes, too short for the 8-byte header length");
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        source.readFully(0, lengthBytes);
        long headerLength = lengthBytes.getLong(0);
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw bad(file, "header length " + Long.toUnsignedString(headerLength) + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes (not a safetensors file, or corrupt)");
        }
        if (8 + headerLength > size) {
            throw bad(file, "header length " + headerLength + " runs past the end of the " + size + "-byte file");
        }
        byte[] json = new byte[(int) headerLength];
        source.readFully(8, ByteBuffer.wrap(json));
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new BadInputException(file + ": header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw bad(file, "header is not a JSON object");
        }
        long dataSize = size - 8 - headerLength;
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = Map.of();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals(METADATA_KEY)) {
                metadata = parseMetadata(file, field.getValue());
            } else {
                tensors.put(field.getKey(), parseTensor(file, field.getKey(), field.getValue(), dataSize));
            }
        }
        checkNoOverlap(file, tensors.values());
        return new SafetensorsHeader(
                Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata), 8 + headerLength);
    }

    private static Map<String, String> parseMetadata(String file, JsonNode node) {
        if (!node.isObject()) {
            throw bad(file, METADATA_KEY + " is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw bad(file, METADATA_KEY + " value for key '" + e.getKey() + "' is not a string: " + e.getValue());
            }
            metadata.put(e.getKey(), e.getValue().textValue());
        }
        return metadata;
    }

    private static TensorInfo parseTensor(String file, String name, JsonNode node, long dataSize) {
        String where = file + ": tensor '" + name + "': ";
        if (!node.isObject()) {
            throw new BadInputException(where + "header entry is not a JSON object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new BadInputException(where + "missing or non-string \"dtype\"");
        }
        DType dtype;
        try {
            dtype = DType.parse(dtypeNode.textValue());
        } catch (BadInputException e) {
            throw new BadInputException(where + e.getMessage(), e);
        }
        long[] shape = nonNegativeLongs(where, "shape", node.get("shape"));
        long[] offsets = nonNegativeLongs(where, "data_offsets", node.get("data_offsets"));
        if (offsets.length != 2) {
            throw new BadInputException(where + "\"data_offsets\" must hold 2 numbers, got " + offsets.length);
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end) {
            throw new BadInputException(where + "data_offsets [" + begin + ", " + end + "] begin after end");
        }
        TensorInfo info = new TensorInfo(name, dtype, shape, begin, end);
        long expected;
        try {
            expected = Math.multiplyExact(info.numel(), dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new BadInputException(where + "shape " + Arrays.toString(shape) + " is too large", e);
        }
        if (expected != end - begin) {
            throw new BadInputException(where + "shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                    + expected + " bytes but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        }
        if (end > dataSize) {
            throw new BadInputException(where + "data_offsets [" + begin + ", " + end + "] run past the end of the "
                    + dataSize + "-byte data section (file truncated or header corrupt)");
        }
        return info;
    }

    private static long[] nonNegativeLongs(String where, String key, JsonNode node) {
        if (node == null || !node.isArray()) {
            throw new BadInputException(where + "missing or non-array \"" + key + "\"");
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                throw new BadInputException(where + "\"" + key + "\" " + node + " has an entry that is not an"
                        + " integer from 0 to 2^63-1: " + v);
            }
            values[i] = v.longValue();
        }
        return values;
    }

    /** Gaps between tensors and unused trailing bytes are tolerated; bytes shared by two tensors are not. */
    private static void checkNoOverlap(String file, Iterable<TensorInfo> tensors) {
        List<TensorInfo> sorted = new ArrayList<>();
        for (TensorInfo t : tensors) {
            if (t.byteLength() > 0) {
                sorted.add(t);
            }
        }
        sorted.sort(Comparator.comparingLong(TensorInfo::begin));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo prev = sorted.get(i - 1);
            TensorInfo cur = sorted.get(i);
            if (cur.begin() < prev.end()) {
                throw bad(file, "tensors '" + prev.name() + "' [" + prev.begin() + ", " + prev.end() + ") and '"
                        + cur.name() + "' [" + cur.begin() + ", " + cur.end() + ") overlap");
            }
        }
    }

    private static BadInputException bad(String file, String what) {
        return new BadInputException(file + ": " + what);
    }
}
