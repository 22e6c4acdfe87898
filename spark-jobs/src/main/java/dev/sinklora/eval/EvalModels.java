package dev.sinklora.eval;

import dev.sinklora.io.HadoopModelDirectory;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.Projection;
import dev.sinklora.model.lora.AdaptedModel;
import dev.sinklora.model.lora.PeftAdapterIO;
import dev.sinklora.train.FrozenBaseCache;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The models evaluation tasks run, one per {@link EvalModelSpec} per executor JVM. Base weights come from
 * {@link FrozenBaseCache} (loaded once per JVM, shared with training); the adapter is read once per JVM and applied
 * unmerged over the shared base arrays; a RoPE override only swaps the config. Nothing here is serialised.
 */
public final class EvalModels {

    private static final ConcurrentHashMap<EvalModelSpec, AdaptedModel> CACHE = new ConcurrentHashMap<>();

    private EvalModels() {
    }

    /** The model and projection to evaluate {@code spec} with; {@code conf} (the job's) reads the base and the adapter. */
    public static AdaptedModel get(EvalModelSpec spec, Configuration conf) {
        return CACHE.computeIfAbsent(spec, s -> {
            LlamaModel base = FrozenBaseCache.get(s.baseUri(), conf);
            AdaptedModel m = new AdaptedModel(base, Projection.PLAIN);
            if (s.adapterUri() != null) {
                try {
                    m = AdaptedModel.unmerged(base, PeftAdapterIO.read(HadoopModelDirectory.of(s.adapterUri(), conf)),
                            s.adapterUri());
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read adapter " + s.adapterUri(), e);
                }
            }
            if (s.ropeFactor() != null) {
                LlamaModel withRope = new LlamaModel(m.model().config().withRopeFactor(s.ropeFactor()),
                        m.model().weights());
                m = new AdaptedModel(withRope, m.projection());
            }
            return m;
        });
    }
}
