package dev.sinklora.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.io.ModelDirectory;

import java.io.IOException;

/**
 * What training needs from a prep-corpus / prep-sft output directory: its manifest's sequence
 * length and where the train split lives.
 */
public record DataInfo(String trainUri, int seqLen, boolean sft, String fingerprint) {

    public static DataInfo read(ModelDirectory dir) throws IOException {
        if (!dir.hasFile("manifest.json")) {
            throw new BadInputException(dir.describe() + ": no manifest.json (is --data the output of prep-corpus or"
                    + " prep-sft, and did it finish?)");
        }
        JsonNode m = new ObjectMapper().readTree(dir.readAll("manifest.json"));
        boolean sft = m.has("max_len") || m.has("prompt_tokens");
        JsonNode len = m.has("seq_len") ? m.get("seq_len") : m.get("max_len");
        if (len == null || !len.canConvertToInt()) {
            throw new BadInputException(dir.describe("manifest.json") + ": no seq_len or max_len");
        }
        ModelDirectory train = dir.child("train");
        if (!train.exists()) {
            throw new BadInputException(dir.describe() + ": no train/ split");
        }
        return new DataInfo(train.describe(), len.asInt(), sft, fingerprint(m));
    }

    /**
     * SHA-256 of the manifest without its creation time: the data's identity for {@code --resume} (the manifest
     * records the tokenizer's hash, the options and every count and shard); the same output re-made by the same
     * prep run has the same fingerprint, different data has another.
     */
    static String fingerprint(JsonNode manifest) {
        com.fasterxml.jackson.databind.node.ObjectNode copy = manifest.deepCopy();
        copy.remove("created_at");
        try {
            byte[] canonical = new ObjectMapper().configure(
                    com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
                    .writeValueAsBytes(new ObjectMapper().treeToValue(copy, java.util.TreeMap.class));
            return java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot fingerprint the data manifest", e);
        }
    }
}
