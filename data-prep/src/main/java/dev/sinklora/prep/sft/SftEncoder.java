package dev.sinklora.prep.sft;

import dev.sinklora.model.tokenizer.HfTokenizer;
import dev.sinklora.prep.record.RejectReason;

/**
 * Turns an example into training ids: {@code [BOS] + ids(prompt + output) + [EOS]}, with the
 * prompt (BOS included) excluded from the loss and the output plus EOS as the target. The prompt
 * and output are tokenized as one text, as LongLoRA does; the prompt length is the common prefix
 * with the prompt's own ids. Applies the overflow policy for {@code maxLen}.
 */
public final class SftEncoder {
    /** Label of positions without loss (PyTorch's CrossEntropyLoss ignore_index, as in LongLoRA). */
    public static final int IGNORE_INDEX = -100;

    private final HfTokenizer tok;
    private final PromptTemplate template;
    private final String systemPrompt;
    private final int maxLen;
    private final OverflowPolicy overflow;

    public SftEncoder(HfTokenizer tok, PromptTemplate template, String systemPrompt, int maxLen, OverflowPolicy overflow) {
        this.tok = tok;
        this.template = template;
        this.systemPrompt = systemPrompt;
        this.maxLen = maxLen;
        this.overflow = overflow;
    }

    /**
     * The outcome for one example: {@code ids} and {@code promptTokens} when kept (possibly
     * {@code truncated}), else a {@code reason} (rejected) or {@code dropped}.
     */
    public record Encoded(int[] ids, int promptTokens, boolean truncated, boolean dropped, RejectReason reason,
                          String detail) {
        public boolean kept() {
            return ids != null;
        }

        /** Labels aligned with {@code ids}: IGNORE_INDEX on the prompt, the id itself on the target. */
        public int[] labels() {
            int[] labels = ids.clone();
            java.util.Arrays.fill(labels, 0, promptTokens, IGNORE_INDEX);
            return labels;
        }
    }

    public Encoded encode(SftExample ex) {
        String prompt = template.prompt(ex.instruction(), ex.input(), systemPrompt);
        HfTokenizer.Pair pair = tok.encodePair(prompt, ex.output());
        int bos = tok.bosId() >= 0 ? 1 : 0;
        int total = bos + pair.ids().length + 1;
        int promptTokens = bos + pair.promptTokens();
        boolean truncated = false;
        int length = total;
        if (total > maxLen) {
            String detail = total + " tokens (prompt " + promptTokens + ") > --max-len " + maxLen;
            switch (overflow) {
                case REJECT -> {
                    return new Encoded(null, 0, false, false, RejectReason.TOO_LONG, detail);
                }
                case DROP -> {
                    return new Encoded(null, 0, false, true, null, detail);
                }
                case TRUNCATE -> {
                    if (promptTokens >= maxLen) {
                        return new Encoded(null, 0, false, false, RejectReason.NO_TARGET_TOKENS,
                                detail + ": the prompt alone fills --max-len");
                    }
                    truncated = true;
                    length = maxLen;
                }
            }
        }
        int[] ids = new int[length];
        if (bos == 1) {
            ids[0] = tok.bosId();
        }
        System.arraycopy(pair.ids(), 0, ids, bos, Math.min(pair.ids().length, length - bos));
        if (!truncated) {
            ids[length - 1] = tok.eosId();
        }
        return new Encoded(ids, promptTokens, truncated, false, null, null);
    }
}
