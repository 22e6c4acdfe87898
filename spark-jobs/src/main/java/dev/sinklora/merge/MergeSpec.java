package dev.sinklora.merge;

import dev.sinklora.model.io.safetensors.DType;
import dev.sinklora.model.lora.MergeExporter;

import java.io.Serializable;

/**
 * One export to run, in a form a Spark task can carry: base, adapter and output URIs plus the export options.
 *
 * @param name     what the batch calls this export (the adapter's or step directory's name)
 * @param dtype    output dtype name, or null for the base's
 * @param ropeFactor RoPE factor override, or null for the adapter's record
 */
public record MergeSpec(String name, String base, String adapter, String out, String dtype, long maxShardBytes,
                        boolean overwrite, Double ropeFactor) implements Serializable {

    public MergeExporter.Options options() {
        return new MergeExporter.Options(dtype == null ? null : DType.valueOf(dtype), maxShardBytes, overwrite,
                ropeFactor);
    }
}
