package dev.sinklora.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinklora.model.BadInputException;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The special-token ids a data job needs: BOS (absent for some tokenizers), EOS (required) and
 * PAD (often absent; LLaMA-2 has none).
 *
 * <p>Resolved, in this order: {@code tokenizer_config.json} next to {@code tokenizer.json} when
 * present ({@code bos_token}/{@code eos_token}/{@code pad_token}, as strings or
 * {@code {"content": ...}} objects); else the {@code TemplateProcessing} post-processor of
 * {@code tokenizer.json} (special tokens before {@code $A} are BOS, after it EOS); else well-known
 * names among its added special tokens ({@code <s>}/{@code </s>}, {@code <|begin_of_text|>}/
 * {@code <|end_of_text|>}, {@code <|endoftext|>}).
 */
public record SpecialTokens(Integer bosId, String bosToken, int eosId, String eosToken, Integer padId, String padToken) {

    private static final List<String> KNOWN_BOS = List.of("<s>", "<|begin_of_text|>", "<|startoftext|>");
    private static final List<String> KNOWN_EOS = List.of("</s>", "<|end_of_text|>", "<|endoftext|>");

    /** True when the tokenizer has a BOS token. */
    public boolean hasBos() {
        return bosId != null;
    }

    /**
     * @param tokenizerJson the parsed {@code tokenizer.json}
     * @param tokenizerConfig the parsed {@code tokenizer_config.json}, or null when there is none
     * @param source where the tokenizer came from, for error messages
     */
    public static SpecialTokens resolve(JsonNode tokenizerJson, JsonNode tokenizerConfig, String source) {
        Map<String, Integer> ids = tokenIds(tokenizerJson);
        String bos = null;
        String eos = null;
        String pad = null;
        if (tokenizerConfig != null) {
            bos = tokenString(tokenizerConfig.get("bos_token"));
            eos = tokenString(tokenizerConfig.get("eos_token"));
            pad = tokenString(tokenizerConfig.get("pad_token"));
        }
        JsonNode single = tokenizerJson.path("post_processor").path("single");
        if (single.isArray() && "TemplateProcessing".equals(tokenizerJson.path("post_processor").path("type").asText())) {
            boolean seenSequence = false;
            for (JsonNode piece : single) {
                if (piece.has("Sequence")) {
                    seenSequence = true;
                } else if (piece.has("SpecialToken")) {
                    String name = piece.path("SpecialToken").path("id").asText(null);
                    if (!seenSequence && bos == null) {
                        bos = name;
                    } else if (seenSequence && eos == null) {
                        eos = name;
                    }
                }
            }
        }
        if (bos == null) {
            bos = KNOWN_BOS.stream().filter(ids::containsKey).findFirst().orElse(null);
        }
        if (eos == null) {
            eos = KNOWN_EOS.stream().filter(ids::containsKey).findFirst().orElse(null);
        }
        if (eos == null) {
            throw new BadInputException("tokenizer " + source + ": cannot tell its EOS token (no tokenizer_config.json "
                    + "eos_token, no post-processor EOS, none of " + KNOWN_EOS + " among its tokens); put a "
                    + "tokenizer_config.json with eos_token next to tokenizer.json");
        }
        return new SpecialTokens(idOf(ids, bos, source), bos, idOf(ids, eos, source), eos,
                idOf(ids, pad, source), pad);
    }

    private static Integer idOf(Map<String, Integer> ids, String token, String source) {
        if (token == null) {
            return null;
        }
        Integer id = ids.get(token);
        if (id == null) {
            throw new BadInputException("tokenizer " + source + ": special token '" + token + "' is not in its vocabulary");
        }
        return id;
    }

    private static String tokenString(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        JsonNode content = node.get("content");
        return content != null && content.isTextual() ? content.asText() : null;
    }

    private static Map<String, Integer> tokenIds(JsonNode tokenizerJson) {
        Map<String, Integer> ids = new HashMap<>();
        JsonNode vocab = tokenizerJson.path("model").path("vocab");
        if (vocab.isObject()) {
            vocab.fields().forEachRemaining(e -> ids.put(e.getKey(), e.getValue().asInt()));
        }
        for (JsonNode added : tokenizerJson.path("added_tokens")) {
            ids.put(added.path("content").asText(), added.path("id").asInt());
        }
        return ids;
    }
}
