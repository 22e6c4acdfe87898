package dev.sinklora.prep.record;

import java.io.Serializable;

/**
 * One record as read from an input split, before any parsing: the raw bytes and where they came
 * from. Readers that already know a record is bad (e.g. a Parquet value that is not UTF-8) set
 * {@code preRejected}.
 *
 * @param splitIndex the split it was read from
 * @param ordinal 0-based index of the record within its split (blank lines are not records)
 * @param line 1-based line within the split (JSONL, JSON array), or -1
 * @param row 1-based row within the file (Parquet), or -1
 * @param byteOffset offset of the record's first byte in the (decompressed) file, or -1
 * @param bytes the raw record: a JSONL line, a JSON array element (re-serialized), a text file's
 *              content, or a Parquet value's bytes
 * @param text the already decoded text (Parquet string values), else null
 */
public record RawRecord(int splitIndex, long ordinal, long line, long row, long byteOffset, byte[] bytes,
                        String text, RejectReason preRejected, String preDetail) implements Serializable {

    public static RawRecord of(int splitIndex, long ordinal, long line, long row, long byteOffset, byte[] bytes) {
        return new RawRecord(splitIndex, ordinal, line, row, byteOffset, bytes, null, null, null);
    }

    public static RawRecord rejected(int splitIndex, long ordinal, long line, long row, long byteOffset, byte[] bytes,
                                     RejectReason reason, String detail) {
        return new RawRecord(splitIndex, ordinal, line, row, byteOffset, bytes, null, reason, detail);
    }
}
