package dev.sinklora.eval;

import dev.sinklora.prep.spark.HadoopConf;
import dev.sinklora.model.eval.Decoder;
import dev.sinklora.model.eval.GreedyDecoder;
import dev.sinklora.model.lora.AdaptedModel;

/**
 * The real passkey decoder: greedy decoding with the executor's model ({@link EvalModels}, base weights loaded once
 * per executor JVM) through {@link GreedyDecoder}, with the evaluation's attention pattern at every length.
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
        AdaptedModel m = EvalModels.get(model, conf.get());
        return new GreedyDecoder(m.model(), m.projection(), attention::at);
    }
}
