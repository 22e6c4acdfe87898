package dev.sinklora.model.generate;

/**
 * Text to token ids and back, as generation needs it. The seam where the project's tokenizer wrapper
 * plugs in; {@link HfPromptTokenizer} is the implementation over {@code HfTokenizer}.
 */
public interface PromptTokenizer extends AutoCloseable {

    /** Ids of {@code text} with the tokenizer's special tokens (BOS for LLaMA), never truncated. */
    int[] encode(String text);

    /** Text of {@code ids}, special tokens skipped. */
    String decode(int[] ids);

    @Override
    void close();
}
