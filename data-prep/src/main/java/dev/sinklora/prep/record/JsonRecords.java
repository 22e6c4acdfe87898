package dev.sinklora.prep.record;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.CharacterCodingException;

/** Strict decoding and parsing of a JSON record into an object, with the rejection reasons that can occur. */
public final class JsonRecords {
    private JsonRecords() {
    }

    /** The record's bytes as a JSON object, or undecodable_bytes / invalid_json / not_an_object. */
    public static Extracted<ObjectNode> parseObject(RawRecord r) {
        if (r.preRejected() != null) {
            return Extracted.reject(r.preRejected(), r.preDetail());
        }
        String s;
        try {
            s = Utf8.decodeStrict(r.bytes());
        } catch (CharacterCodingException e) {
            return Extracted.reject(RejectReason.UNDECODABLE_BYTES, Utf8.describeError(r.bytes(), 0, r.bytes().length));
        }
        JsonNode node;
        try {
            node = Json.RECORDS.readTree(s);
        } catch (JsonProcessingException e) {
            String msg = e.getOriginalMessage();
            return Extracted.reject(RejectReason.INVALID_JSON, msg.length() > 300 ? msg.substring(0, 300) + "..." : msg);
        }
        if (node == null || !node.isObject()) {
            return Extracted.reject(RejectReason.NOT_AN_OBJECT, "expected a JSON object, got "
                    + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)));
        }
        return Extracted.ok((ObjectNode) node);
    }

    /** Rejects text with an unpaired UTF-16 surrogate (possible only through JSON escapes). */
    public static Extracted<String> checkUnicode(String text, String field) {
        int bad = Utf8.unpairedSurrogate(text);
        if (bad >= 0) {
            return Extracted.reject(RejectReason.INVALID_UNICODE, "'" + field + "' has an unpaired surrogate at char " + bad);
        }
        return Extracted.ok(text);
    }
}
