package dev.sinklora.prep.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.io.JsonFiles;
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
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The commit protocol of a job output folder {@code OUT}: everything is written under
 * {@code OUT/_staging-<time>-<random>/}; {@link #commit} moves it into {@code OUT} and writes
 * {@code OUT/manifest.json} last. An output is complete exactly when its manifest exists.
 *
 * <ul>
 *   <li>A complete output (a manifest of prep-corpus or prep-sft) is refused unless
 *       {@code --overwrite} (replaced, but only at commit: a failed run leaves the old output
 *       intact) or {@code --skip-if-done} (kept, when it was made with the same options: the
 *       manifest records them, and a mismatch is refused rather than silently kept).</li>
 *   <li>A non-empty folder without such a manifest (a crashed commit, or someone else's data) is
 *       always refused, {@code --overwrite} included: the tool only ever deletes what it can tell
 *       is its own output. Leftover {@code _staging-*} folders of failed runs do not count and
 *       are removed by the next successful commit.</li>
 *   <li>Two runs writing the same {@code OUT} at the same time are not supported.</li>
 * </ul>
 */
public final class StagedOutput {
    public static final String MANIFEST = "manifest.json";
    /** The {@code format} of every manifest this project's data jobs write starts with this. */
    public static final String FORMAT_PREFIX = "sinklora-prep-";
    private static final String STAGING_PREFIX = "_staging-";
    private static final Logger LOG = LoggerFactory.getLogger(StagedOutput.class);

    private final Path out;
    private final Path staging;
    private final FileSystem fs;
    private final boolean done;
    private final boolean outExisted;
    private boolean keep;

    private StagedOutput(Path out, Path staging, FileSystem fs, boolean done, boolean outExisted) {
        this.out = out;
        this.staging = staging;
        this.fs = fs;
        this.done = done;
        this.outExisted = outExisted;
    }

    /**
     * Checks {@code OUT} (fails fast on a finished or foreign output) and names a fresh staging
     * folder; {@link #createStaging()} creates it once the job has planned its work.
     *
     * @param options the run's output-shaping options by CLI name (the manifest's {@code options}): with
     *                {@code skipIfDone}, a finished output counts as done only when it recorded the same
     */
    public static StagedOutput open(String outUri, boolean overwrite, boolean skipIfDone, Map<String, String> options,
                                    Configuration conf) {
        Path out = DataPaths.qualify(outUri, conf, "--out");
        FileSystem fs = DataPaths.fs(out, conf);
        try {
            if (fs.exists(out)) {
                if (!fs.getFileStatus(out).isDirectory()) {
                    throw new BadInputException("--out " + out + " is a file, not a folder");
                }
                Path manifest = new Path(out, MANIFEST);
                if (fs.exists(manifest)) {
                    JsonNode m = JsonFiles.parseObject(DataPaths.readAll(manifest, conf), manifest.toString());
                    String format = m.path("format").asText("");
                    if (!format.startsWith(FORMAT_PREFIX)) {
                        throw new BadInputException("--out " + out + " holds a " + MANIFEST + " that is not prep-corpus's"
                                + " or prep-sft's (format '" + format + "'), so it is neither replaced nor kept; choose"
                                + " another --out");
                    }
                    if (skipIfDone) {
                        checkSameOptions(out, m.get("options"), options);
                        return new StagedOutput(out, null, fs, true, true);
                    }
                    if (!overwrite) {
                        throw new BadInputException("--out " + out + " already holds a finished output (it has "
                                + MANIFEST + "); pass --overwrite to replace it or --skip-if-done to keep it");
                    }
                } else {
                    for (FileStatus st : fs.listStatus(out)) {
                        if (!st.getPath().getName().startsWith(STAGING_PREFIX)) {
                            throw new BadInputException("--out " + out + " is not empty and has no " + MANIFEST
                                    + " of prep-corpus or prep-sft (e.g. " + st.getPath().getName() + "): an unfinished"
                                    + " or foreign folder, which is never deleted, not even with --overwrite; empty it"
                                    + " or choose another --out");
                        }
                    }
                }
            }
            String id = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
                    + HexFormat.of().formatHex(SecureRandom.getSeed(4));
            return new StagedOutput(out, new Path(out, STAGING_PREFIX + id), fs, false, fs.exists(out));
        } catch (IOException e) {
            throw new UncheckedIOException("--out " + out + ": " + e.getMessage(), e);
        }
    }

    /**
     * The start of a job's options fingerprint (what the manifest records for {@code --skip-if-done}): inputs as
     * qualified URIs, so the same data spelled differently matches, and the tokenizer by content. Jobs add their
     * own output-shaping options after these.
     */
    public static Map<String, String> fingerprint(List<String> inputs, String tokenizerSha256, Configuration conf) {
        Map<String, String> f = new java.util.LinkedHashMap<>();
        f.put("--input", String.join(",", inputs.stream()
                .map(i -> DataPaths.qualify(i, conf, "--input").toString()).toList()));
        f.put("--tokenizer", "sha256:" + tokenizerSha256);
        return f;
    }

    /** {@code --skip-if-done} keeps an output only if it was made with the options asked for now. */
    private static void checkSameOptions(Path out, JsonNode recorded, Map<String, String> options) {
        if (recorded == null || !recorded.isObject()) {
            throw new BadInputException("--skip-if-done: " + out + "/" + MANIFEST + " does not record the options it"
                    + " was made with (an older version wrote it), so it cannot tell whether it matches this run; pass"
                    + " --overwrite to rebuild it");
        }
        List<String> differences = new ArrayList<>();
        for (Map.Entry<String, String> e : options.entrySet()) {
            JsonNode was = recorded.get(e.getKey());
            String before = was == null || was.isNull() ? null : was.asText();
            if (!Objects.equals(before, e.getValue())) {
                differences.add(e.getKey() + " " + describe(before) + " (now " + describe(e.getValue()) + ")");
            }
        }
        if (!differences.isEmpty()) {
            throw new BadInputException("--skip-if-done: " + out + " was made with other options: "
                    + String.join(", ", differences) + "; pass --overwrite to rebuild it or choose another --out");
        }
    }

    private static String describe(String value) {
        return value == null ? "unset" : value.length() > 80 ? value.substring(0, 77) + "..." : value;
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

    /** A failed run's staging folder holds what the user must see (its rejected records): {@link #discard} keeps it. */
    public void keepStaging() {
        keep = true;
    }

    /**
     * After a failed run: removes the staging folder (unless {@link #keepStaging}), and {@code OUT} too if this run
     * created it and it is empty, so a refused input leaves nothing behind. Never throws (the run's error matters).
     */
    public void discard() {
        if (staging == null || keep) {
            return;
        }
        try {
            fs.delete(staging, true);
            if (!outExisted && fs.exists(out) && fs.listStatus(out).length == 0) {
                fs.delete(out, false);
            }
        } catch (IOException e) {
            LOG.warn("could not remove the staging folder {}: {}", staging, e.getMessage());
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
