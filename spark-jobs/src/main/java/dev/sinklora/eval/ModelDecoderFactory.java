package dev.sinklora.eval;

import dev.sinklora.model.eval.CachedGreedyDecoder;
import dev.sinklora.model.eval.Decoder;
import dev.sinklora.model.eval.GreedyDecoder;
import dev.sinklora.model.lora.AdaptedModel;
import dev.sinklora.spark.HadoopConf;

/**
 * The real passkey decoder, greedy, with the executor's model ({@link EvalModels}, base weights loaded once per
 * executor JVM). With full attention (the default, as at inference) it decodes through the KV cache
 * ({@link CachedGreedyDecoder}: one prefill, then one position per answer token) with the adapter merged in memory;
 * another evaluation pattern is not what the incremental decoder computes, so it re-runs the model core's forward
 * pass with that pattern per token ({@link GreedyDecoder}, adapter unmerged).
 */
public final class ModelDecoderFactory implements DecoderFactory {
    private static final long serialVersionUID = 1L;

    private final EvalModelSpec model;
    private final AttentionSpec attention;
    private final HadoopConf conf;

    public ModelDecoderFactory(EvalModelSpec model, AttentionSpec attention, HadoopConf conf) {
        this.model = model;
        this.attention = attention;
        this.conf = conf;
    }

    @Override
    public Decoder open() {
        if (attention.full()) {
            return new CachedGreedyDecoder(EvalModels.merged(model, conf.get()));
        }
        AdaptedModel m = EvalModels.get(model, conf.get());
        return new GreedyDecoder(m.model(), m.projection(), attention::at);
    }
}
