package dev.sinklora.prep.io;

import java.io.Serializable;

/**
 * A piece of an input file read by one Spark task: a byte range of an uncompressed JSONL file, or
 * a whole file ({@code end == Long.MAX_VALUE}). A line belongs to the split its first byte is in.
 *
 * @param index position in the list of all splits (the document order)
 */
public record InputSplit(int index, InputFile file, long start, long end) implements Serializable {

    public boolean wholeFile() {
        return start == 0 && end == Long.MAX_VALUE;
    }

    /** For log lines: the path plus the byte range if this is a part of the file. */
    public String describe() {
        return wholeFile() ? file.path() : file.path() + " [bytes " + start + ".." + end + ")";
    }
}
