package dev.sinklora.eval;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.config.RopeScaling;
import dev.sinklora.model.lora.AdapterTrainingInfo;
import dev.sinklora.model.lora.LoraMerger;
import dev.sinklora.model.lora.PeftAdapterReader;
import dev.sinklora.spark.HadoopModelDirectory;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.Serializable;

/**
 * Which model an evaluation runs, as it travels to tasks: the base (or merged) checkpoint URI, an optional PEFT
 * adapter applied unmerged, and an optional RoPE factor that overrides both. URIs are qualified on the driver so
 * every executor resolves the same files.
 *
 * @param baseUri    HF checkpoint directory (file://, hdfs://, s3a://)
 * @param adapterUri PEFT adapter directory, or null
 * @param ropeFactor linear RoPE factor to run with instead of the adapter's recorded / the model's own; null: theirs
 */
public record EvalModelSpec(String baseUri, String adapterUri, Double ropeFactor) implements Serializable {

    /** What the driver learned about the model before any task runs. */
    public record Info(LlamaConfig config, double ropeFactor, String ropeSource) {
        /** Positions the model was trained for: {@code max_position_embeddings * rope factor}. */
        public long contextWindow() {
            return Math.round(config.maxPositionEmbeddings() * ropeFactor);
        }
    }

    /** The spec with qualified URIs; {@code --rope-factor} validated. */
    public static EvalModelSpec of(String model, String adapter, Double ropeFactor, Configuration conf)
            throws IOException {
        if (ropeFactor != null) {
            try {
                new RopeScaling(ropeFactor);
            } catch (BadInputException e) {
                throw new BadInputException("--rope-factor: " + e.getMessage());
            }
        }
        return new EvalModelSpec(HadoopModelDirectory.of(model, conf).describe(),
                adapter == null ? null : HadoopModelDirectory.of(adapter, conf).describe(), ropeFactor);
    }

    /**
     * Reads the model's config.json and the adapter's headers on the driver: fails early on a missing model, a
     * missing or incompatible adapter, and says which RoPE factor the tasks will use and where it came from.
     */
    public Info describe(Configuration conf) throws IOException {
        HadoopModelDirectory dir = HadoopModelDirectory.of(baseUri, conf);
        if (!dir.isDirectory()) {
            throw new BadInputException("--model " + dir.describe() + ": not a directory (expected an HF model directory)");
        }
        LlamaConfig config = LlamaConfig.load(dir);
        AdapterTrainingInfo info = null;
        if (adapterUri != null) {
            try (PeftAdapterReader r = PeftAdapterReader.open(HadoopModelDirectory.of(adapterUri, conf))) {
                r.checkCompatible(config);
                info = r.trainingInfo();
            }
        }
        LoraMerger.RopeChoice choice = LoraMerger.ropeChoice(config, info, ropeFactor);
        String source = switch (choice.source()) {
            case OPTION -> "--rope-factor";
            case ADAPTER -> adapterUri + "/" + AdapterTrainingInfo.FILE_NAME;
            case BASE -> dir.describe(LlamaConfig.FILE_NAME) + (config.ropeScaling() == null ? " (no rope_scaling)" : "");
        };
        return new Info(config, choice.factor(), source);
    }
}
