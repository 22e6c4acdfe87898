package dev.sinklora.prep.io;

/** How an input file is read into records. */
public enum InputFormat {
    /** One JSON object per line (optionally compressed); blank lines are skipped. */
    JSONL,
    /** One JSON array of objects (prep-sft only; detected by its first non-blank byte being '['). */
    JSON_ARRAY,
    /** Parquet with a string column holding the text. */
    PARQUET,
    /** A plain text file (optionally compressed) that is one document. */
    TEXT;

    /** Parses a {@code --format} value ({@code auto} is handled by the caller). */
    public static InputFormat parse(String value) {
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "jsonl", "json" -> JSONL;
            case "parquet" -> PARQUET;
            case "text", "txt" -> TEXT;
            default -> throw new IllegalArgumentException(value);
        };
    }
}
