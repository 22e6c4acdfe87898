package dev.sinklora.prep.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.prep.io.InputFormat;

import java.nio.charset.CharacterCodingException;

/**
 * prep-corpus's view of a record: the document text, or why there is none. JSONL: the string
 * field {@code textField} of the object; Parquet: the decoded column value; text files: the whole
 * content. Empty or whitespace-only text is rejected as {@code empty_text}.
 */
public final class TextExtractor {
    private TextExtractor() {
    }

    public static Extracted<String> extract(RawRecord r, InputFormat format, String textField) {
        if (r.preRejected() != null) {
            return Extracted.reject(r.preRejected(), r.preDetail());
        }
        String text;
        switch (format) {
            case TEXT -> {
                try {
                    text = Utf8.decodeStrict(r.bytes());
                } catch (CharacterCodingException e) {
                    return Extracted.reject(RejectReason.UNDECODABLE_BYTES,
                            Utf8.describeError(r.bytes(), 0, r.bytes().length));
                }
            }
            case PARQUET -> text = r.text();
            case JSONL, JSON_ARRAY -> {
                Extracted<ObjectNode> obj = JsonRecords.parseObject(r);
                if (!obj.ok()) {
                    return obj.cast();
                }
                JsonNode v = obj.value().get(textField);
                if (v == null || v.isNull()) {
                    return Extracted.reject(RejectReason.MISSING_TEXT, "no '" + textField + "' field"
                            + (v == null ? "" : " (null)"));
                }
                if (!v.isTextual()) {
                    return Extracted.reject(RejectReason.NON_STRING_TEXT, "'" + textField + "' is a "
                            + v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + ", not a string");
                }
                text = v.textValue();
            }
            default -> throw new IllegalStateException("format " + format);
        }
        if (text.isBlank()) {
            return Extracted.reject(RejectReason.EMPTY_TEXT, format == InputFormat.TEXT
                    ? "file is empty or whitespace only" : "'" + textField + "' is empty or whitespace only");
        }
        return JsonRecords.checkUnicode(text, textField);
    }
}
