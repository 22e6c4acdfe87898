package dev.sinklora.eval;

import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.Projection;
import dev.sinklora.model.lora.AdaptedModel;
import dev.sinklora.model.lora.LoraAdapter;
import dev.sinklora.model.lora.LoraMerger;
import dev.sinklora.model.lora.PeftAdapterIO;
import dev.sinklora.spark.FrozenBaseCache;
import dev.sinklora.spark.HadoopModelDirectory;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The models evaluation tasks run, one per {@link EvalModelSpec} per executor JVM. Base weights come from
 * {@link FrozenBaseCache} (loaded once per JVM, shared with training); the adapter is read once per JVM and applied
 * unmerged over the shared base arrays ({@link #get}, for the model core's graph), or merged into copies of the
 * adapted projections ({@link #merged}, for the eager KV-cache decoder); a RoPE override only swaps the config.
 * Nothing here is serialised.
 */
public final class EvalModels {

    private static final ConcurrentHashMap<EvalModelSpec, AdaptedModel> UNMERGED = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<EvalModelSpec, LlamaModel> MERGED = new ConcurrentHashMap<>();

    private EvalModels() {
    }

    /** The model and projection to evaluate {@code spec} with; {@code conf} (the job's) reads the base and the adapter. */
    public static AdaptedModel get(EvalModelSpec spec, Configuration conf) {
        return UNMERGED.computeIfAbsent(spec, s -> {
            LlamaModel base = FrozenBaseCache.get(s.baseUri(), conf);
            AdaptedModel m = s.adapterUri() == null ? new AdaptedModel(base, Projection.PLAIN)
                    : AdaptedModel.unmerged(base, adapter(s, conf), s.adapterUri());
            return new AdaptedModel(withRope(s, m.model()), m.projection());
        });
    }

    /**
     * {@code spec}'s model with its adapter merged in (plain projections); {@code conf} (the job's) reads the base
     * and the adapter.
     */
    public static LlamaModel merged(EvalModelSpec spec, Configuration conf) {
        return MERGED.computeIfAbsent(spec, s -> {
            LlamaModel base = FrozenBaseCache.get(s.baseUri(), conf);
            return withRope(s, s.adapterUri() == null ? base : LoraMerger.merged(base, adapter(s, conf)));
        });
    }

    private static LoraAdapter adapter(EvalModelSpec s, Configuration conf) {
        try {
            return PeftAdapterIO.read(HadoopModelDirectory.of(s.adapterUri(), conf));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read adapter " + s.adapterUri(), e);
        }
    }

    /** {@code m} with {@code spec}'s RoPE factor, if it overrides one. */
    private static LlamaModel withRope(EvalModelSpec spec, LlamaModel m) {
        return spec.ropeFactor() == null ? m
                : new LlamaModel(m.config().withRopeFactor(spec.ropeFactor()), m.weights());
    }
}
