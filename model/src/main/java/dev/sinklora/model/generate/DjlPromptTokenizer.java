package dev.sinklora.model.generate;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.sinklora.model.BadInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A {@link PromptTokenizer} over DJL's HuggingFace tokenizers binding, loading an HF {@code tokenizer.json}
 * with truncation and padding off (DJL otherwise truncates silently to 512 tokens). One instance per thread.
 */
public final class DjlPromptTokenizer implements PromptTokenizer {

    private final HuggingFaceTokenizer tokenizer;

    private DjlPromptTokenizer(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Loads {@code path}: a {@code tokenizer.json} file or a directory holding one. */
    public static DjlPromptTokenizer load(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("--tokenizer " + path + ": no tokenizer.json there");
        }
        try {
            return new DjlPromptTokenizer(HuggingFaceTokenizer.builder()
                    .optTokenizerPath(file)
                    .optTruncation(false)
                    .optPadding(false)
                    .optAddSpecialTokens(true)
                    .build());
        } catch (IOException | RuntimeException e) {
            throw new BadInputException("--tokenizer " + file + ": cannot load: " + e.getMessage(), e);
        }
    }

    @Override
    public int[] encode(String text) {
        long[] ids = tokenizer.encode(text).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return tokenizer.decode(l, true);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
