package dev.sinklora.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The LLaMA-2 tokenizer fixture, kept once in model's test resources and used from there by the
 * data-prep and spark-jobs tests (their working directory is their module folder).
 */
public final class TestTokenizers {
    private TestTokenizers() {
    }

    public static Path llama2() {
        Path p = Path.of("..", "model", "src", "test", "resources", "llama2-tokenizer", "tokenizer.json")
                .toAbsolutePath().normalize();
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("LLaMA-2 tokenizer fixture missing at " + p);
        }
        return p;
    }
}
