package dev.sinklora.model.io;

import dev.sinklora.model.io.safetensors.ByteRangeSource;
import dev.sinklora.model.io.safetensors.FileByteRangeSource;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** A {@link ModelDirectory} on the local file system, through {@code java.nio.file}. */
public final class LocalModelDirectory implements ModelDirectory {

    private final Path path;

    public LocalModelDirectory(Path path) {
        this.path = path;
    }

    public Path path() {
        return path;
    }

    @Override
    public String describe() {
        return path.toString();
    }

    @Override
    public String describe(String fileName) {
        return path.resolve(fileName).toString();
    }

    @Override
    public String name() {
        Path n = path.toAbsolutePath().normalize().getFileName();
        return n == null ? "" : n.toString();
    }

    @Override
    public boolean isDirectory() {
        return Files.isDirectory(path);
    }

    @Override
    public boolean exists() {
        return Files.exists(path);
    }

    @Override
    public boolean hasFile(String fileName) {
        return Files.isRegularFile(path.resolve(fileName));
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
        if (!Files.isDirectory(path)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(path)) {
            return s.filter(p -> files ? Files.isRegularFile(p) : Files.isDirectory(p))
                    .map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Override
    public ByteRangeSource open(String fileName) throws IOException {
        return new FileByteRangeSource(path.resolve(fileName));
    }

    @Override
    public OutputStream create(String fileName) throws IOException {
        Files.createDirectories(path);
        return Files.newOutputStream(path.resolve(fileName));
    }

    @Override
    public void deleteFile(String fileName) throws IOException {
        Files.deleteIfExists(path.resolve(fileName));
    }

    @Override
    public ModelDirectory child(String name) {
        return new LocalModelDirectory(path.resolve(name));
    }

    @Override
    public ModelDirectory sibling(String name) {
        return new LocalModelDirectory(path.toAbsolutePath().normalize().resolveSibling(name));
    }

    @Override
    public void createDirectories() throws IOException {
        Path abs = path.toAbsolutePath().normalize();
        Path existing = null;
        for (Path p = abs; p != null && existing == null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    throw new IOException(p + " is a file, not a directory");
                }
                existing = p;
            }
        }
        try {
            Files.createDirectories(abs);
        } catch (IOException e) {
            throw new IOException("cannot create directories in " + existing + " (" + e.getClass().getSimpleName()
                    + ": " + e.getMessage() + ")", e);
        }
    }

    @Override
    public void deleteRecursively() throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> s = Files.walk(path)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (NoSuchFileException ignored) {
                    // already gone
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public void renameTo(ModelDirectory target) throws IOException {
        if (!(target instanceof LocalModelDirectory local)) {
            throw new IllegalArgumentException("cannot rename " + describe() + " to " + target.describe()
                    + " on another file system");
        }
        if (Files.exists(local.path)) {
            throw new FileAlreadyExistsException(local.describe());
        }
        Files.move(path, local.path, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public String toString() {
        return describe();
    }
}
