package dev.sinklora.model.generate;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.tokenizer.HfTokenizer;

import java.nio.file.Path;

/**
 * The {@link PromptTokenizer} over the project's tokenizer wrapper {@link HfTokenizer} (DJL with
 * truncation off, BOS/EOS read from the tokenizer): prompts get BOS, decoding skips special tokens.
 * One instance per thread.
 */
public final class HfPromptTokenizer implements PromptTokenizer {

    private final HfTokenizer tokenizer;

    private HfPromptTokenizer(HfTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Loads {@code path}: a {@code tokenizer.json} file or a directory holding one. */
    public static HfPromptTokenizer load(Path path) {
        try {
            return new HfPromptTokenizer(HfTokenizer.load(path));
        } catch (BadInputException e) {
            throw new BadInputException("--tokenizer " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int[] encode(String text) {
        return tokenizer.encodeWithBos(text);
    }

    @Override
    public String decode(int[] ids) {
        return tokenizer.decode(ids, true);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
