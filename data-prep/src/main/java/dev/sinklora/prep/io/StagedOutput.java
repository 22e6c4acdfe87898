package dev.sinklora.prep.io;

import dev.sinklora.model.BadInputException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

/**
 * The commit protocol of a job output folder {@code OUT}: everything is written under
 * {@code OUT/_staging-<time>-<random>/}; {@link #commit} moves it into {@code OUT} and writes
 * {@code OUT/manifest.json} last. An output is complete exactly when its manifest exists.
 *
 * <ul>
 *   <li>A complete output is refused unless {@code --overwrite} (replaced, but only at commit:
 *       a failed run leaves the old output intact) or {@code --skip-if-done} (kept; the run does
 *       nothing).</li>
 *   <li>A non-empty folder without a manifest (a crashed commit, or someone else's data) is
 *       refused unless {@code --overwrite}; leftover {@code _staging-*} folders of failed runs
 *       do not count and are removed by the next successful commit.</li>
 *   <li>Two runs writing the same {@code OUT} at the same time are not supported.</li>
 * </ul>
 */
public final class StagedOutput {
    public static final String MANIFEST = "manifest.json";
    private static final String STAGING_PREFIX = "_staging-";
    private static final Logger LOG = LoggerFactory.getLogger(StagedOutput.class);

    private final Path out;
    private final Path staging;
    private final FileSystem fs;
    private final boolean done;

    private StagedOutput(Path out, Path staging, FileSystem fs, boolean done) {
        this.out = out;
        this.staging = staging;
        this.fs = fs;
        this.done = done;
    }

    /**
     * Checks {@code OUT} (fails fast on a finished or foreign output) and names a fresh staging
     * folder; {@link #createStaging()} creates it once the job has planned its work.
     */
    public static StagedOutput open(String outUri, boolean overwrite, boolean skipIfDone, Configuration conf) {
        Path out = DataPaths.qualify(outUri, conf, "--out");
        FileSystem fs = DataPaths.fs(out, conf);
        try {
            if (fs.exists(out)) {
                if (!fs.getFileStatus(out).isDirectory()) {
                    throw new BadInputException("--out " + out + " is a file, not a folder");
                }
                if (fs.exists(new Path(out, MANIFEST))) {
                    if (skipIfDone) {
                        return new StagedOutput(out, null, fs, true);
                    }
                    if (!overwrite) {
                        throw new BadInputException("--out " + out + " already holds a finished output (it has "
                                + MANIFEST + "); pass --overwrite to replace it or --skip-if-done to keep it");
                    }
                } else if (!overwrite) {
                    for (FileStatus st : fs.listStatus(out)) {
                        if (!st.getPath().getName().startsWith(STAGING_PREFIX)) {
                            throw new BadInputException("--out " + out + " is not empty and has no " + MANIFEST
                                    + " (an unfinished or foreign output, e.g. " + st.getPath().getName()
                                    + "); pass --overwrite to replace it");
                        }
                    }
                }
            }
            String id = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
                    + HexFormat.of().formatHex(SecureRandom.getSeed(4));
            return new StagedOutput(out, new Path(out, STAGING_PREFIX + id), fs, false);
        } catch (IOException e) {
            throw new UncheckedIOException("--out " + out + ": " + e.getMessage(), e);
        }
    }

    /** Creates the staging folder (so a run that fails while planning leaves nothing behind). */
    public void createStaging() {
        try {
            if (!fs.mkdirs(staging)) {
                throw new IOException("mkdirs returned false");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("--out " + out + ": cannot create " + staging + ": " + e.getMessage(), e);
        }
    }

    /** True when {@code --skip-if-done} found a finished output: nothing is to be done. */
    public boolean alreadyDone() {
        return done;
    }

    public Path finalPath() {
        return out;
    }

    /** Where the run writes; null if {@link #alreadyDone()}. */
    public Path staging() {
        return staging;
    }

    public Path manifestPath() {
        return new Path(out, MANIFEST);
    }

    /**
     * Replaces whatever {@code OUT} held with the staged entries, then writes the manifest (first
     * to staging, then renamed into place), then removes the staging folder.
     */
    public void commit(byte[] manifest) {
        try {
            Path manifestPath = manifestPath();
            if (fs.exists(manifestPath) && !fs.delete(manifestPath, false)) {
                throw new IOException("cannot delete the old " + manifestPath);
            }
            for (FileStatus st : fs.listStatus(out)) {
                if (!st.getPath().getName().equals(staging.getName())) {
                    LOG.info("commit: removing old {}", st.getPath());
                    fs.delete(st.getPath(), true);
                }
            }
            for (FileStatus st : fs.listStatus(staging)) {
                String name = st.getPath().getName();
                if (name.equals(MANIFEST) || name.startsWith("_") || name.startsWith(".")) {
                    continue;
                }
                rename(st.getPath(), new Path(out, name));
            }
            Path stagedManifest = new Path(staging, MANIFEST);
            DataPaths.writeAll(stagedManifest, manifest, fs.getConf());
            rename(stagedManifest, manifestPath);
            fs.delete(staging, true);
        } catch (IOException e) {
            throw new UncheckedIOException("committing " + out + " from " + staging + ": " + e.getMessage(), e);
        }
    }

    private void rename(Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("rename " + from + " -> " + to + " returned false");
        }
    }
}
