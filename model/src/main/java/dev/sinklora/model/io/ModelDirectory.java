package dev.sinklora.model.io;

import dev.sinklora.model.io.safetensors.ByteRangeSource;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A directory of model files (an HF checkpoint, a PEFT adapter, an export target) on some file system. The model
 * module reads and writes through this interface only, so the same code runs on a local disk ({@link
 * LocalModelDirectory}) and, from the Spark jobs, on any Hadoop {@code FileSystem} ({@code file://},
 * {@code hdfs://}, {@code s3a://}). File names are plain names inside the directory (no {@code /}).
 */
public interface ModelDirectory {

    /** What to call this directory in messages: its path or URI. */
    String describe();

    /** What to call one of its files in messages. */
    default String describe(String fileName) {
        String d = describe();
        return d.endsWith("/") ? d + fileName : d + "/" + fileName;
    }

    /** The last component of the path, e.g. {@code step-000100}. */
    String name();

    /** Whether the directory exists (as a directory). */
    boolean isDirectory() throws IOException;

    /** Whether this path exists at all (file or directory). */
    boolean exists() throws IOException;

    /** Whether {@code fileName} exists in it as a regular file. */
    boolean hasFile(String fileName) throws IOException;

    /** Names of the regular files directly inside, sorted; empty if the directory does not exist. */
    List<String> listFiles() throws IOException;

    /** Names of the subdirectories directly inside, sorted; empty if the directory does not exist. */
    List<String> listDirectories() throws IOException;

    /** Random-access reads of one file; the caller closes it. */
    ByteRangeSource open(String fileName) throws IOException;

    /** The whole of a (small) file. */
    default byte[] readAll(String fileName) throws IOException {
        try (ByteRangeSource in = open(fileName)) {
            long size = in.size();
            if (size > Integer.MAX_VALUE - 8) {
                throw new IOException(describe(fileName) + ": " + size + " bytes is too large to read whole");
            }
            ByteBuffer buf = ByteBuffer.allocate((int) size);
            in.readFully(0, buf);
            return buf.array();
        }
    }

    /**
     * Creates this directory and its missing parents (nothing happens if it exists).
     *
     * @throws IOException saying why not in one line: an ancestor that is a file, or one that cannot be written
     */
    void createDirectories() throws IOException;

    /** Whether this is an existing directory with nothing in it. */
    default boolean isEmptyDirectory() throws IOException {
        return isDirectory() && listFiles().isEmpty() && listDirectories().isEmpty();
    }

    /** Creates {@code fileName} (replacing an existing file), creating this directory first if needed. */
    OutputStream create(String fileName) throws IOException;

    /** Deletes file {@code fileName} if it exists. */
    void deleteFile(String fileName) throws IOException;

    /** The subdirectory {@code name} (which need not exist). */
    ModelDirectory child(String name);

    /** The directory {@code name} next to this one, in the same parent (which need not exist). */
    ModelDirectory sibling(String name);

    /** Deletes the directory and everything in it; nothing happens if it does not exist. */
    void deleteRecursively() throws IOException;

    /**
     * Renames this directory to {@code target}, which must be on the same file system and must not exist. Atomic
     * on local and HDFS file systems; a copy-then-delete on object stores such as S3.
     */
    void renameTo(ModelDirectory target) throws IOException;
}
