package dev.sinklora.spark;

import dev.sinklora.model.llama.LlamaModel;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one place frozen base weights are loaded on an executor: once per JVM per checkpoint URI,
 * shared by every network copy in that JVM (SameDiff constants reference these arrays, never copy
 * them). Nothing serialises the base; only its URI travels in the layer configuration. Reads go
 * through Hadoop FileSystem with the job's configuration, so file://, hdfs:// and s3a:// bases
 * behave alike and {@code spark.hadoop.fs.s3a.*} settings reach them.
 *
 * <p>Which configuration: the one the caller passes; for callers that cannot pass one (a DL4J layer
 * built from its JSON configuration inside a worker), the job configuration that the training
 * worker installed in this JVM before building its network ({@link #useJobConfiguration}), else
 * {@link HadoopConfs#current()} (the Spark session's, or the executor's {@code spark.hadoop.*}).
 */
public final class FrozenBaseCache {

    private static final ConcurrentHashMap<String, LlamaModel> CACHE = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();
    private static volatile Configuration jobConf;

    private FrozenBaseCache() {
    }

    /** Sets the Hadoop configuration of the job this JVM works for (a worker calls it before building its network). */
    public static void useJobConfiguration(Configuration conf) {
        jobConf = conf;
    }

    /** The base at {@code baseUri}, loaded with the job's configuration if this JVM has not loaded it yet. */
    public static LlamaModel get(String baseUri) {
        Configuration conf = jobConf;
        return get(baseUri, conf != null ? conf : HadoopConfs.current());
    }

    /** The base at {@code baseUri}, loaded with {@code conf} if this JVM has not loaded it yet. */
    public static LlamaModel get(String baseUri, Configuration conf) {
        LlamaModel cached = CACHE.get(baseUri);
        if (cached != null) {
            return cached;
        }
        return CACHE.computeIfAbsent(baseUri, uri -> {
            try {
                LOADS.incrementAndGet();
                return LlamaModel.loadStored(HadoopModelDirectory.of(uri, conf));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load frozen base " + uri, e);
            }
        });
    }

    /** How many times this JVM has loaded a base (tests check: once per base). */
    public static int loads() {
        return LOADS.get();
    }

    /** Forgets every loaded base (tests: makes the next {@link #get} read through the file system again). */
    static void clear() {
        CACHE.clear();
    }
}
