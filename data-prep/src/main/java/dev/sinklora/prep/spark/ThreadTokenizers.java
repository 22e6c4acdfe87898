package dev.sinklora.prep.spark;

import dev.sinklora.model.tokenizer.HfTokenizer;

/**
 * One tokenizer per executor thread, kept across the tasks that thread runs (loading the LLaMA-2
 * tokenizer costs ~0.15 s, paid per split otherwise). Never shared between threads; replaced when
 * a task brings a different tokenizer (by SHA-256). Tasks must not close it.
 */
public final class ThreadTokenizers {
    private static final ThreadLocal<HfTokenizer> CURRENT = new ThreadLocal<>();

    private ThreadTokenizers() {
    }

    public static HfTokenizer get(TokenizerFiles files) {
        HfTokenizer t = CURRENT.get();
        if (t != null && t.sha256().equals(files.sha256())) {
            return t;
        }
        if (t != null) {
            t.close();
        }
        t = files.open();
        CURRENT.set(t);
        return t;
    }
}
