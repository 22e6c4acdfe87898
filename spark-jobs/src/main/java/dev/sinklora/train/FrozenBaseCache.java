package dev.sinklora.train;

import dev.sinklora.io.HadoopModelDirectory;
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
 * through Hadoop FileSystem, so file://, hdfs:// and s3a:// bases behave alike.
 */
public final class FrozenBaseCache {

    private static final ConcurrentHashMap<String, LlamaModel> CACHE = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    private FrozenBaseCache() {
    }

    public static LlamaModel get(String baseUri) {
        return CACHE.computeIfAbsent(baseUri, uri -> {
            try {
                LOADS.incrementAndGet();
                return LlamaModel.loadStored(HadoopModelDirectory.of(uri, new Configuration()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load frozen base " + uri, e);
            }
        });
    }

    /** How many times this JVM has loaded a base (tests check: once per base). */
    public static int loads() {
        return LOADS.get();
    }
}
