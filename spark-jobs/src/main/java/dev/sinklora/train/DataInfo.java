package dev.sinklora.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.io.JsonFiles;
import dev.sinklora.model.io.ModelDirectory;

import java.io.IOException;
import java.util.List;

/**
 * What training needs from a prep-corpus / prep-sft output directory: its manifest's sequence length and where the
 * train split lives, after checking that the data was tokenized for the base being trained.
 *
 * @param fingerprint the data's identity for --resume ({@link #fingerprint(JsonNode)})
 * @param vocabSize the base's {@code vocab_size}: every id of every row must be below it ({@link TrainingExamples})
 */
public record DataInfo(String trainUri, int seqLen, boolean sft, String fingerprint, int vocabSize) {

    public static final String MANIFEST = "manifest.json";

    /**
     * Reads {@code dir/manifest.json} and checks its tokenizer record against {@code base} (before anything is
     * trained or written).
     *
     * @throws BadInputException for a missing or malformed manifest, a missing train split, or a tokenizer that does
     *     not fit the base
     */
    public static DataInfo read(ModelDirectory dir, LlamaConfig base) throws IOException {
        if (!dir.hasFile(MANIFEST)) {
            throw new BadInputException(dir.describe() + ": no " + MANIFEST + " (is --data the output of prep-corpus or"
                    + " prep-sft, and did it finish?)");
        }
        String source = dir.describe(MANIFEST);
        JsonNode m = JsonFiles.parseObject(dir.readAll(MANIFEST), source);
        boolean sft = m.has("max_len") || m.has("prompt_tokens");
        JsonNode len = m.has("seq_len") ? m.get("seq_len") : m.get("max_len");
        if (len == null || !len.canConvertToInt()) {
            throw new BadInputException(source + ": no seq_len or max_len");
        }
        checkTokenizer(m.path("tokenizer"), base, source);
        ModelDirectory train = dir.child("train");
        if (!train.exists()) {
            throw new BadInputException(dir.describe() + ": no train/ split");
        }
        return new DataInfo(train.describe(), len.asInt(), sft, fingerprint(m), base.vocabSize());
    }

    /**
     * The data's tokenizer, as its manifest records it, must fit the base: no more ids than the base's
     * {@code vocab_size} (an id past the embedding table crashes the native gather), and the BOS/EOS the data was
     * packed with are the base's. A manifest without a tokenizer record (hand-made data) is not checked here; its
     * rows still are, as they are read.
     */
    static void checkTokenizer(JsonNode tokenizer, LlamaConfig base, String source) {
        if (!tokenizer.isObject()) {
            return;
        }
        String which = "the data's tokenizer" + (tokenizer.hasNonNull("path") ? " (" + tokenizer.get("path").asText()
                + ")" : "");
        JsonNode vocab = tokenizer.get("vocab_size");
        if (vocab != null && vocab.canConvertToInt() && vocab.asInt() > base.vocabSize()) {
            throw new BadInputException(source + ": " + which + " has " + vocab.asInt() + " ids but --base's "
                    + "vocab_size is " + base.vocabSize() + " (ids from " + base.vocabSize() + " on have no embedding); "
                    + "prepare the data with the base's tokenizer");
        }
        JsonNode bos = tokenizer.get("bos_id");
        if (bos != null && bos.canConvertToInt() && bos.asInt() != base.bosTokenId()) {
            throw new BadInputException(source + ": " + which + " begins documents with BOS id " + bos.asInt()
                    + " but --base's bos_token_id is " + base.bosTokenId() + "; prepare the data with the base's "
                    + "tokenizer");
        }
        JsonNode eos = tokenizer.get("eos_id");
        List<Integer> baseEos = base.eosTokenIds();
        if (eos != null && eos.canConvertToInt() && !baseEos.contains(eos.asInt())) {
            throw new BadInputException(source + ": " + which + " ends documents with EOS id " + eos.asInt()
                    + " but --base's eos_token_id is " + (baseEos.size() == 1 ? baseEos.get(0) : baseEos)
                    + "; prepare the data with the base's tokenizer");
        }
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
