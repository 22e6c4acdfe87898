package dev.sinklora.prep.record;

/** Why a record went to {@code OUT/rejected/}; {@link #code()} is what the rejected files and manifest say. */
public enum RejectReason {
    INVALID_JSON("invalid_json"),
    NOT_AN_OBJECT("not_an_object"),
    MISSING_TEXT("missing_text"),
    NON_STRING_TEXT("non_string_text"),
    EMPTY_TEXT("empty_text"),
    UNDECODABLE_BYTES("undecodable_bytes"),
    INVALID_UNICODE("invalid_unicode"),
    RECORD_TOO_LARGE("record_too_large"),
    /**
     * A compressed file that ends early (cut off in a download or copy): the records before the break are kept, this
     * one stands for the partial record and everything after it, which is lost.
     */
    TRUNCATED_FILE("truncated_file"),
    /** prep-sft: {@code instruction} or {@code output} absent or null. */
    MISSING_FIELD("missing_field"),
    /** prep-sft: {@code instruction}, {@code input} or {@code output} is not a string. */
    NON_STRING_FIELD("non_string_field"),
    /** prep-sft: {@code instruction} or {@code output} is empty or whitespace only. */
    EMPTY_FIELD("empty_field"),
    /** prep-sft with {@code --on-overflow reject}: longer than {@code --max-len}. */
    TOO_LONG("too_long"),
    /** prep-sft with {@code --on-overflow truncate}: the prompt alone fills {@code --max-len}. */
    NO_TARGET_TOKENS("no_target_tokens");

    private final String code;

    RejectReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
