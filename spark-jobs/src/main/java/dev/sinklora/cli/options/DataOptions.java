package dev.sinklora.cli.options;

import dev.sinklora.train.config.DataConfig;
import picocli.CommandLine.Option;

/** Picocli options of {@link DataConfig}: the prepared data and how it is batched. */
public final class DataOptions {

    @Option(names = "--data", required = true, paramLabel = "URI", description = "output of prep-corpus or prep-sft")
    String data;

    @Option(names = "--seq-len", paramLabel = "N", description = "training length (default: the data's seq_len / max_len)")
    Integer seqLen;

    @Option(names = "--batch-size", defaultValue = "1", paramLabel = "B",
            description = "sequences per step per worker (default: ${DEFAULT-VALUE})")
    int batchSize;

    public DataConfig toConfig() {
        return new DataConfig(data, seqLen, batchSize);
    }
}
