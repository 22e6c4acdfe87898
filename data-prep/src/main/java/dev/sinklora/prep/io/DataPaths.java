package dev.sinklora.prep.io;

import dev.sinklora.model.BadInputException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Every read and write of the data jobs goes through Hadoop {@link FileSystem}, so {@code file://},
 * {@code hdfs://} and {@code s3a://} (and scheme-less local paths) behave alike.
 */
public final class DataPaths {
    private DataPaths() {
    }

    /** The fully qualified form of {@code uri} (relative local paths resolve against the working directory). */
    public static Path qualify(String uri, Configuration conf, String option) {
        try {
            Path p = new Path(uri);
            return p.getFileSystem(conf).makeQualified(p);
        } catch (IOException | IllegalArgumentException e) {
            throw new BadInputException(option + " '" + uri + "': not a usable path: " + e.getMessage(), e);
        }
    }

    /**
     * Fails fast when {@code p} could not be created because a path above it is a file (checked before a job runs,
     * so its results are not lost at the end).
     */
    public static void checkCreatable(Path p, Configuration conf, String option) {
        FileSystem fs = fs(p, conf);
        try {
            for (Path q = p.getParent(); q != null; q = q.getParent()) {
                if (fs.exists(q)) {
                    if (!fs.getFileStatus(q).isDirectory()) {
                        throw new BadInputException(option + " " + p + ": cannot be created, " + q
                                + " is a file, not a folder");
                    }
                    return;
                }
            }
        } catch (IOException e) {
            throw new BadInputException(option + " " + p + ": cannot check where it goes: " + e.getMessage(), e);
        }
    }

    public static FileSystem fs(Path p, Configuration conf) {
        try {
            return p.getFileSystem(conf);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the file system of " + p, e);
        }
    }

    /**
     * Reads a whole (small) file, e.g. the tokenizer or a manifest. Local files are read raw: a file edited by hand
     * no longer matches the {@code .crc} that Hadoop's checksummed local file system wrote beside it, which would
     * otherwise fail the read with a ChecksumException.
     */
    public static byte[] readAll(Path p, Configuration conf) throws IOException {
        FileSystem fs = fs(p, conf);
        if (fs instanceof LocalFileSystem local) {
            fs = local.getRawFileSystem();
        }
        try (FSDataInputStream in = fs.open(p)) {
            return in.readAllBytes();
        }
    }

    /** Reads a file if it exists, else returns null. */
    public static byte[] readIfExists(Path p, Configuration conf) throws IOException {
        FileSystem fs = fs(p, conf);
        return fs.exists(p) ? readAll(p, conf) : null;
    }

    /** Writes (or replaces) a whole small file. */
    public static void writeAll(Path p, byte[] bytes, Configuration conf) throws IOException {
        try (FSDataOutputStream out = fs(p, conf).create(p, true)) {
            out.write(bytes);
        }
    }

    /** The codec that decompresses {@code p} (by file name), or null for an uncompressed file. */
    public static CompressionCodec codec(Path p, Configuration conf) {
        return new CompressionCodecFactory(conf).getCodec(p);
    }

    /** Opens {@code p} decompressed. */
    public static InputStream openDecompressed(Path p, Configuration conf) throws IOException {
        FSDataInputStream raw = fs(p, conf).open(p);
        CompressionCodec codec = codec(p, conf);
        if (codec == null) {
            return raw;
        }
        try {
            return codec.createInputStream(raw);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }
}
