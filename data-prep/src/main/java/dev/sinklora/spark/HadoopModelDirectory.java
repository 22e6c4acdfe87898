package dev.sinklora.spark;

import dev.sinklora.model.io.ModelDirectory;
import dev.sinklora.model.io.safetensors.ByteRangeSource;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link ModelDirectory} on a Hadoop {@link FileSystem}: {@code file://}, {@code hdfs://}, {@code s3a://}, or a
 * scheme-less path resolved against {@code fs.defaultFS}. The local file system is used raw, so no {@code .crc}
 * side files appear in exported checkpoints.
 */
public final class HadoopModelDirectory implements ModelDirectory {

    private final FileSystem fs;
    private final Path path;

    private HadoopModelDirectory(FileSystem fs, Path path) {
        this.fs = fs;
        this.path = path;
    }

    /** The directory at {@code uri}, on the file system {@code conf} maps its scheme to. */
    public static HadoopModelDirectory of(String uri, Configuration conf) throws IOException {
        Path p = new Path(uri);
        FileSystem fs = p.getFileSystem(conf);
        if (fs instanceof LocalFileSystem local) {
            fs = local.getRawFileSystem();
        }
        return new HadoopModelDirectory(fs, fs.makeQualified(p));
    }

    /** The qualified path, e.g. {@code s3a://bucket/models/base}. */
    public Path path() {
        return path;
    }

    @Override
    public String describe() {
        return path.toString();
    }

    @Override
    public String name() {
        return path.getName();
    }

    @Override
    public boolean isDirectory() throws IOException {
        FileStatus s = status(path);
        return s != null && s.isDirectory();
    }

    @Override
    public boolean exists() throws IOException {
        return status(path) != null;
    }

    @Override
    public boolean hasFile(String fileName) throws IOException {
        FileStatus s = status(new Path(path, fileName));
        return s != null && s.isFile();
    }

    @Override
    public List<String> listFiles() throws IOException {
        return list(true);
    }

    @Override
    public List<String> listDirectories() throws IOException {
        return list(false);
    }

    private List<String> list(boolean files) throws IOException {
        if (!isDirectory()) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (FileStatus s : fs.listStatus(path)) {
            if (files ? s.isFile() : s.isDirectory()) {
                names.add(s.getPath().getName());
            }
        }
        names.sort(null);
        return names;
    }

    @Override
    public ByteRangeSource open(String fileName) throws IOException {
        return new HadoopByteRangeSource(fs, new Path(path, fileName));
    }

    @Override
    public OutputStream create(String fileName) throws IOException {
        return fs.create(new Path(path, fileName), true);
    }

    @Override
    public void deleteFile(String fileName) throws IOException {
        Path p = new Path(path, fileName);
        if (status(p) != null) {
            fs.delete(p, false);
        }
    }

    @Override
    public ModelDirectory child(String name) {
        return new HadoopModelDirectory(fs, new Path(path, name));
    }

    @Override
    public ModelDirectory sibling(String name) {
        Path parent = path.getParent();
        if (parent == null) {
            throw new IllegalArgumentException(path + " is a root and has no siblings");
        }
        return new HadoopModelDirectory(fs, new Path(parent, name));
    }

    @Override
    public void createDirectories() throws IOException {
        Path existing = null;
        for (Path p = path; p != null && existing == null; p = p.getParent()) {
            FileStatus s = status(p);
            if (s != null) {
                if (!s.isDirectory()) {
                    throw new IOException(p + " is a file, not a directory");
                }
                existing = p;
            }
        }
        if (existing == path) {
            return;
        }
        boolean made;
        try {
            made = fs.mkdirs(path);
        } catch (IOException e) {
            throw new IOException("cannot create directories in " + existing + " (" + e.getMessage() + ")", e);
        }
        if (!made) {
            throw new IOException("cannot create directories in " + existing + " (is it writable?)");
        }
    }

    @Override
    public void deleteRecursively() throws IOException {
        if (status(path) != null) {
            fs.delete(path, true);
        }
    }

    @Override
    public void renameTo(ModelDirectory target) throws IOException {
        if (!(target instanceof HadoopModelDirectory t) || !t.fs.getUri().equals(fs.getUri())) {
            throw new IllegalArgumentException("cannot rename " + describe() + " to " + target.describe()
                    + " on another file system");
        }
        if (status(t.path) != null) {
            throw new FileAlreadyExistsException(t.describe());
        }
        if (t.path.getParent() != null) {
            fs.mkdirs(t.path.getParent());
        }
        if (!fs.rename(path, t.path)) {
            throw new IOException("could not rename " + describe() + " to " + t.describe());
        }
    }

    private FileStatus status(Path p) throws IOException {
        try {
            return fs.getFileStatus(p);
        } catch (FileNotFoundException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return describe();
    }
}
