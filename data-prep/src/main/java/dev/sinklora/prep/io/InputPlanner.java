package dev.sinklora.prep.io;

import dev.sinklora.model.BadInputException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.io.compress.CompressionCodec;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Turns {@code --input} URIs (files, folders, globs; comma-separated) into the sorted list of
 * input files and the splits that Spark tasks read. Files and folders whose names start with
 * {@code _} or {@code .} are skipped (Hadoop's hidden files: {@code _SUCCESS}, {@code .crc}).
 *
 * <p>Document order is the order of files by full URI, then position within the file; it never
 * depends on how files are split, so outputs do not depend on the number of cores.
 */
public final class InputPlanner {

    /** Upper bound on the bytes of one split of an uncompressed JSONL file. */
    public static final long MAX_SPLIT_BYTES = 64L << 20;

    private InputPlanner() {
    }

    /**
     * @param inputs URIs as given by the user
     * @param forced the format to use for every file, or null to tell it from the file name
     * @param sniffJsonArrays whether {@code .json} files starting with '[' are JSON arrays (prep-sft)
     */
    public static List<InputFile> listFiles(List<String> inputs, InputFormat forced, boolean sniffJsonArrays,
                                            Configuration conf) {
        TreeMap<String, FileStatus> files = new TreeMap<>();
        for (String uri : inputs) {
            Path pattern = DataPaths.qualify(uri, conf, "--input");
            FileSystem fs = DataPaths.fs(pattern, conf);
            FileStatus[] matches;
            try {
                matches = fs.globStatus(pattern);
            } catch (IOException e) {
                throw new BadInputException("--input '" + uri + "': cannot list: " + e.getMessage(), e);
            }
            if (matches == null || matches.length == 0) {
                throw new BadInputException("--input '" + uri + "': no such file, folder or glob match");
            }
            TreeMap<String, FileStatus> found = new TreeMap<>();
            for (FileStatus match : matches) {
                if (match.isDirectory()) {
                    addFolder(fs, match.getPath(), found, uri);
                } else if (!hidden(match.getPath())) {
                    found.put(match.getPath().toString(), match);
                }
            }
            files.putAll(found);
            if (found.isEmpty()) {
                throw new BadInputException("--input '" + uri + "': matches no files (only empty folders or hidden files)");
            }
        }
        List<InputFile> out = new ArrayList<>();
        for (FileStatus st : files.values()) {
            Path p = st.getPath();
            refuseArchive(p);
            CompressionCodec codec = DataPaths.codec(p, conf);
            InputFormat format = forced != null ? forced : formatFromName(p, codec);
            if (sniffJsonArrays && format == InputFormat.JSONL && startsWithBracket(p, conf)) {
                format = InputFormat.JSON_ARRAY;
            }
            out.add(new InputFile(out.size(), p.toString(), format, st.getLen(), codec != null));
        }
        return out;
    }

    /**
     * Splits uncompressed JSONL files into byte ranges of at most {@code maxSplitBytes}; every other
     * file is one split.
     */
    public static List<InputSplit> split(List<InputFile> files, long maxSplitBytes) {
        if (maxSplitBytes < 1) {
            throw new IllegalArgumentException("maxSplitBytes must be >= 1");
        }
        List<InputSplit> splits = new ArrayList<>();
        for (InputFile f : files) {
            if (f.format() != InputFormat.JSONL || f.compressed() || f.length() <= maxSplitBytes) {
                splits.add(new InputSplit(splits.size(), f, 0, Long.MAX_VALUE));
                continue;
            }
            long pieces = (f.length() + maxSplitBytes - 1) / maxSplitBytes;
            long size = (f.length() + pieces - 1) / pieces;
            for (long start = 0; start < f.length(); start += size) {
                long end = Math.min(f.length(), start + size);
                // The last split reads to the end of the stream, even if the file grew since planning.
                splits.add(new InputSplit(splits.size(), f, start, end == f.length() ? Long.MAX_VALUE : end));
            }
        }
        return splits;
    }

    /**
     * A split size that gives every core a few splits (for balance) but stays within
     * [1 MB, {@link #MAX_SPLIT_BYTES}].
     */
    public static long splitBytesFor(List<InputFile> files, int parallelism) {
        long splittable = files.stream().filter(f -> f.format() == InputFormat.JSONL && !f.compressed())
                .mapToLong(InputFile::length).sum();
        long perTask = splittable / Math.max(1, 4L * parallelism);
        return Math.max(1L << 20, Math.min(MAX_SPLIT_BYTES, perTask));
    }

    private static final List<String> ARCHIVES = List.of(".tar", ".tgz", ".tar.gz", ".tar.bz2", ".tbz2", ".tar.xz",
            ".txz", ".tar.zst", ".zip", ".7z", ".rar");

    /**
     * Archives hold many files in one stream; decompressing one (or reading it as text) would feed tar headers and
     * binary members to the tokenizer, so they are refused by name whatever {@code --format} says.
     */
    static void refuseArchive(Path p) {
        String name = p.getName().toLowerCase(Locale.ROOT);
        for (String ext : ARCHIVES) {
            if (name.endsWith(ext)) {
                throw new BadInputException("--input: " + p + " is an archive (" + ext + "), which is not read: unpack"
                        + " it and give the folder (JSONL, Parquet or text files, optionally .gz/.bz2 each)");
            }
        }
    }

    static InputFormat formatFromName(Path p, CompressionCodec codec) {
        String name = p.getName().toLowerCase(Locale.ROOT);
        if (codec != null && name.endsWith(codec.getDefaultExtension())) {
            name = name.substring(0, name.length() - codec.getDefaultExtension().length());
        }
        if (name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson")) {
            return InputFormat.JSONL;
        }
        if (name.endsWith(".parquet")) {
            return InputFormat.PARQUET;
        }
        if (name.endsWith(".txt") || name.endsWith(".text") || name.endsWith(".md")) {
            return InputFormat.TEXT;
        }
        throw new BadInputException("--input: cannot tell the format of " + p + " from its name (expected .jsonl, "
                + ".json, .ndjson, .parquet, .txt, .text or .md, optionally compressed); pass --format");
    }

    private static boolean startsWithBracket(Path p, Configuration conf) {
        try (InputStream in = DataPaths.openDecompressed(p, conf)) {
            int b;
            int seen = 0;
            while ((b = in.read()) != -1 && seen++ < 1 << 16) {
                if (b == 0xEF || b == 0xBB || b == 0xBF || Character.isWhitespace(b)) {
                    continue; // UTF-8 byte-order mark or whitespace
                }
                return b == '[';
            }
            return false;
        } catch (IOException e) {
            throw new BadInputException("--input: cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    private static void addFolder(FileSystem fs, Path dir, TreeMap<String, FileStatus> files, String uri) {
        try {
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
            while (it.hasNext()) {
                LocatedFileStatus st = it.next();
                if (!hiddenBelow(dir, st.getPath())) {
                    files.put(st.getPath().toString(), st);
                }
            }
        } catch (IOException e) {
            throw new BadInputException("--input '" + uri + "': cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static boolean hidden(Path p) {
        String n = p.getName();
        return n.startsWith("_") || n.startsWith(".");
    }

    /** Hidden if the file or any folder between {@code root} and it is hidden. */
    private static boolean hiddenBelow(Path root, Path p) {
        String rootStr = root.toUri().getPath();
        for (Path q = p; q != null && q.toUri().getPath().length() > rootStr.length(); q = q.getParent()) {
            if (hidden(q)) {
                return true;
            }
        }
        return false;
    }
}
