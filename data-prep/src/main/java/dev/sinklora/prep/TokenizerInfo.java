package dev.sinklora.prep;

import dev.sinklora.model.tokenizer.HfTokenizer;

/**
 * The tokenizer as recorded in a manifest: where it was read from, the SHA-256 of its
 * {@code tokenizer.json}, the special ids the job used and its vocabulary size (one past its largest
 * id; null in manifests written before it was recorded), which training checks against the base.
 */
public record TokenizerInfo(String path, String sha256, Integer bosId, int eosId, Integer padId, Integer vocabSize) {

    public static TokenizerInfo of(HfTokenizer t) {
        return new TokenizerInfo(t.source(), t.sha256(), t.specialTokens().bosId(), t.eosId(),
                t.specialTokens().padId(), t.vocabSize());
    }
}
