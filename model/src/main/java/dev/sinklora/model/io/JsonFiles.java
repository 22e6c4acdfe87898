package dev.sinklora.model.io;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.sinklora.model.BadInputException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The one way the project reads a JSON file a user can hand it (config.json, adapter_config.json, sinklora.json,
 * tokenizer.json, trainer_state.json, manifests, shard indexes): malformed JSON becomes a one-line
 * {@link BadInputException} naming the file, the line and column and Jackson's reason, without Jackson's source
 * excerpt (which quotes the raw bytes and spans lines).
 */
public final class JsonFiles {

    /**
     * Tree reading that refuses duplicate keys (which value counts would be ambiguous) and has no Jackson 2.15
     * 20M-character string limit (tokenizer files can hold long strings).
     */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength(Integer.MAX_VALUE).build());
    }

    private JsonFiles() {
    }

    /**
     * Parses {@code json}; {@code source} names the file in messages.
     *
     * @throws BadInputException for malformed JSON or an empty document
     */
    public static JsonNode parse(byte[] json, String source) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw invalid(source, e);
        } catch (IOException e) {
            throw new BadInputException(source + ": cannot read: " + oneLine(e.getMessage()), e);
        }
        if (root == null || root.isMissingNode()) {
            throw new BadInputException(source + ": empty file (expected JSON)");
        }
        return root;
    }

    /** As {@link #parse(byte[], String)} for text already decoded. */
    public static JsonNode parse(String json, String source) {
        return parse(json.getBytes(StandardCharsets.UTF_8), source);
    }

    /** As {@link #parse(byte[], String)}, and the document must be a JSON object. */
    public static JsonNode parseObject(byte[] json, String source) {
        JsonNode root = parse(json, source);
        if (!root.isObject()) {
            throw new BadInputException(source + ": expected a JSON object, got "
                    + root.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
        }
        return root;
    }

    /** As {@link #parseObject(byte[], String)} for text already decoded. */
    public static JsonNode parseObject(String json, String source) {
        return parseObject(json.getBytes(StandardCharsets.UTF_8), source);
    }

    /**
     * The one-line error for a Jackson parse or binding failure of {@code source}: {@code "<source>: not valid JSON
     * at line L, column C: <reason>"}.
     */
    public static BadInputException invalid(String source, JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String where = at == null || at.getLineNr() < 1 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        return new BadInputException(source + ": not valid JSON" + where + ": " + oneLine(e.getOriginalMessage()), e);
    }

    private static String oneLine(String s) {
        if (s == null) {
            return "unknown reason";
        }
        String flat = s.replaceAll("\\s*\\R\\s*", " ").strip();
        return flat.length() > 300 ? flat.substring(0, 300) + "..." : flat;
    }
}
