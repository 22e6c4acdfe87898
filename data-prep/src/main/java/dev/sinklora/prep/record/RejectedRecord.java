package dev.sinklora.prep.record;

import java.io.Serializable;
import java.nio.charset.CharacterCodingException;
import java.util.Base64;

/**
 * A record that did not become a document, as written to {@code OUT/rejected/} (one JSON object
 * per line): {@code source}, {@code line} (JSONL/JSON line), {@code row} (Parquet row),
 * {@code byte_offset}, {@code reason}, {@code detail}, and the raw record as {@code raw} (when it is
 * valid UTF-8) or {@code raw_base64} (when it is not).
 *
 * @param splitIndex the split it came from (its line numbers are split-relative until fixed up)
 */
public record RejectedRecord(int splitIndex, long line, long row, long byteOffset, String reason, String detail,
                             String raw, String rawBase64) implements Serializable {

    public static RejectedRecord of(RawRecord r, RejectReason reason, String detail) {
        String raw = null;
        String b64 = null;
        if (r.bytes() != null) {
            try {
                raw = Utf8.decodeStrict(r.bytes());
            } catch (CharacterCodingException e) {
                b64 = Base64.getEncoder().encodeToString(r.bytes());
            }
        }
        return new RejectedRecord(r.splitIndex(), r.line(), r.row(), r.byteOffset(), reason.code(), detail, raw, b64);
    }

    /** The same record with its split-relative line number turned into a file line number. */
    public RejectedRecord withLineOffset(long linesBefore) {
        return line < 0 ? this : new RejectedRecord(splitIndex, line + linesBefore, row, byteOffset, reason, detail,
                raw, rawBase64);
    }
}
