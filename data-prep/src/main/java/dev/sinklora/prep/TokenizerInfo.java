package dev.sinklora.prep;

import dev.sinklora.model.tokenizer.HfTokenizer;

/**
 * The tokenizer as recorded in a manifest: where it was read from, the SHA-256 of its
 * {@code tokenizer.json}, and the special ids the job used.
 */
public record TokenizerInfo(String path, String sha256, Integer bosId, int eosId, Integer padId) {

    public static TokenizerInfo of(HfTokenizer t) {
        return new TokenizerInfo(t.source(), t.sha256(), t.specialTokens().bosId(), t.eosId(),
                t.specialTokens().padId());
    }
}
