package dev.sinklora.train.config;

import static dev.sinklora.model.BadInputException.require;

/**
 * What a run trains on (options {@code --data}, {@code --seq-len}, {@code --batch-size}). {@code seqLen} null: the
 * data's {@code seq_len} (or {@code max_len}). {@code fingerprint}: not an option; the data's identity from its
 * manifest ({@code DataInfo}), filled in with the train split's resolved URI when the run resolves its config, so a
 * resume knows the data by what it is, not by how its path is spelled.
 */
public record DataConfig(String uri, Integer seqLen, int batchSize, String fingerprint) {

    public DataConfig {
        require(uri != null && !uri.isBlank(), "--data is required");
        require(seqLen == null || seqLen >= 2, "--seq-len must be >= 2, got " + seqLen);
        require(batchSize > 0, "--batch-size must be > 0, got " + batchSize);
    }

    /** As given on the command line: no fingerprint yet. */
    public DataConfig(String uri, Integer seqLen, int batchSize) {
        this(uri, seqLen, batchSize, null);
    }

    /** As the run uses it: the train split's resolved URI, the training length and the manifest's fingerprint. */
    public DataConfig resolved(String trainUri, int length, String manifestFingerprint) {
        return new DataConfig(trainUri, length, batchSize, manifestFingerprint);
    }

    public DataConfig withUri(String u) {
        return new DataConfig(u, seqLen, batchSize, fingerprint);
    }
}
