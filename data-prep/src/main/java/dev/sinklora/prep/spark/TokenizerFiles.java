package dev.sinklora.prep.spark;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.tokenizer.HfTokenizer;
import dev.sinklora.prep.io.DataPaths;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.Serializable;

/**
 * The tokenizer's files, read once on the driver (from any Hadoop file system) and broadcast, so
 * executors never need the path. Each task builds its own {@link HfTokenizer} from the bytes.
 *
 * Holds where {@code tokenizer.json} was read from, its bytes and those of a sibling
 * {@code tokenizer_config.json} (or null).
 */
public final class TokenizerFiles implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String path;
    private final byte[] json;
    private final byte[] config;
    private transient String sha256;

    public TokenizerFiles(String path, byte[] json, byte[] config) {
        this.path = path;
        this.json = json;
        this.config = config;
    }

    public String path() {
        return path;
    }

    /** @param uri a {@code tokenizer.json} file, or a folder holding one */
    public static TokenizerFiles load(String uri, Configuration conf) {
        Path p = DataPaths.qualify(uri, conf, "--tokenizer");
        try {
            if (DataPaths.fs(p, conf).getFileStatus(p).isDirectory()) {
                p = new Path(p, "tokenizer.json");
            }
            byte[] json = DataPaths.readAll(p, conf);
            byte[] config = DataPaths.readIfExists(new Path(p.getParent(), "tokenizer_config.json"), conf);
            return new TokenizerFiles(p.toString(), json, config);
        } catch (IOException e) {
            throw new BadInputException("--tokenizer '" + uri + "': cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    /** A new tokenizer instance (one per task/thread; close it). */
    public HfTokenizer open() {
        return HfTokenizer.fromBytes(json, config, path);
    }

    public String sha256() {
        String s = sha256;
        if (s == null) {
            s = HfTokenizer.sha256(json);
            sha256 = s;
        }
        return s;
    }
}
