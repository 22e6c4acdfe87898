package dev.sinklora.model.io;

import dev.sinklora.model.BadInputException;

import java.io.IOException;
import java.util.UUID;

/**
 * Writes an output directory under a hidden temporary sibling and renames it into place only when it
 * is complete, so a reader never sees half of it: on any failure the sibling is deleted and the
 * output left as it was.
 */
public final class DirectoryCommit {

    /** Fills the temporary directory. */
    @FunctionalInterface
    public interface Body<T> {
        T write(ModelDirectory tmp) throws IOException;
    }

    private DirectoryCommit() {
    }

    /**
     * Refuses an existing {@code out} that is not an empty directory unless {@code overwrite}: callers that do
     * expensive work first should call this before starting it (and {@link #write} checks again).
     */
    public static void checkAbsent(ModelDirectory out, boolean overwrite) throws IOException {
        if (!overwrite && out.exists() && !out.isEmptyDirectory()) {
            throw new BadInputException(out.describe() + ": output already exists; pass --overwrite to replace it");
        }
    }

    /**
     * Runs {@code body} on a fresh hidden sibling of {@code out} (created first: an unwritable place fails before
     * any work), then renames it to {@code out}, replacing an empty directory, or anything with {@code overwrite}.
     */
    public static <T> T write(ModelDirectory out, boolean overwrite, Body<T> body) throws IOException {
        checkAbsent(out, overwrite);
        ModelDirectory tmp = out.sibling("." + out.name() + ".tmp-" + UUID.randomUUID());
        try {
            try {
                tmp.createDirectories(); // before any work: an unwritable place fails now, naming the output
            } catch (IOException e) {
                throw new BadInputException(out.describe() + ": cannot write the output there: " + e.getMessage(), e);
            }
            T result = body.write(tmp);
            commit(tmp, out, overwrite);
            return result;
        } catch (IOException | RuntimeException | Error e) {
            try {
                tmp.deleteRecursively();
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** Renames the finished temporary directory to {@code out}, moving an existing output aside first. */
    private static void commit(ModelDirectory tmp, ModelDirectory out, boolean overwrite) throws IOException {
        if (!out.exists() || out.isEmptyDirectory()) {
            out.deleteRecursively(); // an empty directory (mkdir out && ... --out out) holds nothing to lose
            tmp.renameTo(out);
            return;
        }
        if (!overwrite) {
            throw new BadInputException(out.describe() + ": output appeared while it was written; pass --overwrite to replace it");
        }
        ModelDirectory old = out.sibling("." + out.name() + ".old-" + UUID.randomUUID());
        out.renameTo(old);
        try {
            tmp.renameTo(out);
        } catch (IOException | RuntimeException e) {
            try {
                old.renameTo(out);
            } catch (IOException restore) {
                e.addSuppressed(restore);
            }
            throw e;
        }
        old.deleteRecursively();
    }
}
