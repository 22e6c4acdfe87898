package dev.sinklora.prep.sft;

import java.util.Locale;

/**
 * How an example's {@code instruction} and optional {@code input} become the prompt (the part
 * excluded from the loss). An {@code input} that is absent, null or "" counts as absent, as in
 * LongLoRA. The strings are LongLoRA's ({@code supervised-fine-tune.py}) and Stanford Alpaca's.
 */
public enum PromptTemplate {
    /**
     * LongLoRA's LLaMA-2 chat format. With input: {@code "[INST] <<SYS>>\n" + system +
     * "<</SYS>> \n\n " + instruction + " \n" + input + " [/INST]"}; without:
     * {@code "[INST]" + instruction + "[/INST]"}.
     */
    LLAMA2_CHAT("llama2-chat"),
    /** Stanford Alpaca's "Below is an instruction ... ### Response:" prompts. */
    ALPACA("alpaca"),
    /** {@code instruction + "\n" + input + "\n"}, or {@code instruction + "\n"} without input. */
    PLAIN("plain");

    /** LongLoRA's default LLaMA-2 system prompt (ends with a newline). */
    public static final String LLAMA2_SYSTEM_PROMPT = "You are a helpful, respectful and honest assistant. Always "
            + "answer as helpfully as possible, while being safe.  Your answers should not include any harmful, "
            + "unethical, racist, sexist, toxic, dangerous, or illegal content. Please ensure that your responses are "
            + "socially unbiased and positive in nature.\n\nIf a question does not make any sense, or is not "
            + "factually coherent, explain why instead of answering something not correct. If you don't know the "
            + "answer to a question, please don't share false information.\n";

    private final String cliName;

    PromptTemplate(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    /** Parses {@code llama2-chat|alpaca|plain}. */
    public static PromptTemplate parse(String name) {
        for (PromptTemplate t : values()) {
            if (t.cliName.equals(name.toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new IllegalArgumentException(name);
    }

    /**
     * @param input null or "" when there is none
     * @param systemPrompt for {@link #LLAMA2_CHAT}; null means {@link #LLAMA2_SYSTEM_PROMPT}
     */
    public String prompt(String instruction, String input, String systemPrompt) {
        boolean hasInput = input != null && !input.isEmpty();
        return switch (this) {
            case LLAMA2_CHAT -> hasInput
                    ? "[INST] <<SYS>>\n" + (systemPrompt != null ? systemPrompt : LLAMA2_SYSTEM_PROMPT)
                    + "<</SYS>> \n\n " + instruction + " \n" + input + " [/INST]"
                    : "[INST]" + instruction + "[/INST]";
            case ALPACA -> hasInput
                    ? "Below is an instruction that describes a task, paired with an input that provides further "
                    + "context. Write a response that appropriately completes the request.\n\n### Instruction:\n"
                    + instruction + "\n\n### Input:\n" + input + "\n\n### Response:"
                    : "Below is an instruction that describes a task. Write a response that appropriately completes "
                    + "the request.\n\n### Instruction:\n" + instruction + "\n\n### Response:";
            case PLAIN -> hasInput ? instruction + "\n" + input + "\n" : instruction + "\n";
        };
    }
}
