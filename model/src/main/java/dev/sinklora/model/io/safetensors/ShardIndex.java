package dev.sinklora.model.io.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.io.JsonFiles;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code model.safetensors.index.json} of a sharded checkpoint:
 * {@code {"metadata":{"total_size":N},"weight_map":{tensor: shard file}}}.
 */
final class ShardIndex {
    static final String FILE_NAME = "model.safetensors.index.json";

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private ShardIndex() {
    }

    /** Writes the index with the weight map sorted by tensor name (as Hugging Face does). */
    static void write(OutputStream out, long totalSize, Map<String, String> weightMap) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("metadata").put("total_size", totalSize);
        ObjectNode map = root.putObject("weight_map");
        new TreeMap<>(weightMap).forEach(map::put);
        out.write(JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8));
        out.write('\n');
    }

    /**
     * Reads the weight map (tensor name to shard file name, in file order).
     *
     * @throws BadInputException if the file is not such an index, or names a shard outside its directory
     */
    static Map<String, String> readWeightMap(Path indexFile) throws IOException {
        return readWeightMap(Files.readAllBytes(indexFile), indexFile.toString());
    }

    /** As {@link #readWeightMap(Path)}, for the index's bytes; {@code indexFile} names it in messages. */
    static Map<String, String> readWeightMap(byte[] bytes, String indexFile) throws IOException {
        JsonNode map = JsonFiles.parse(bytes, indexFile).get("weight_map");
        if (map == null || !map.isObject()) {
            throw new BadInputException(indexFile + ": no \"weight_map\" object");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode file = e.getValue();
            if (!file.isTextual() || !isPlainFileName(file.textValue())) {
                throw new BadInputException(indexFile + ": tensor '" + e.getKey() + "' maps to " + file
                        + ", which is not a file name in the checkpoint directory");
            }
            weightMap.put(e.getKey(), file.textValue());
        }
        return weightMap;
    }

    private static boolean isPlainFileName(String name) {
        return !name.isEmpty() && !name.equals(".") && !name.equals("..")
                && name.indexOf('/') < 0 && name.indexOf('\\') < 0;
    }
}
