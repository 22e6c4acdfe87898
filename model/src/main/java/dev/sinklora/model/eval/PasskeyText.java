package dev.sinklora.model.eval;

import java.util.List;

/**
 * The text of LongLoRA's passkey retrieval test ({@code passkey_retrivial.py}), verbatim: a task line, filler
 * sentences, the key line, more filler and the question, joined by newlines. Filler is counted in whole sentences
 * of the five-sentence cycle; both filler parts start at the cycle's beginning, as LongLoRA's do.
 */
public final class PasskeyText {

    /** The first line. */
    public static final String TASK = "There is an important info hidden inside a lot of irrelevant text. "
            + "Find it and memorize them. I will quiz you about the important information there.";

    /** One cycle of filler; repeated, separated by single spaces. */
    public static final List<String> FILLER = List.of("The grass is green.", "The sky is blue.",
            "The sun is yellow.", "Here we go.", "There and back again.");

    /** The last line; the model's greedy continuation is the answer. */
    public static final String QUESTION = "What is the pass key? The pass key is";

    private PasskeyText() {
    }

    /** The line that hides {@code key}. */
    public static String keyLine(int key) {
        return "The pass key is " + key + ". Remember it. " + key + " is the pass key.";
    }

    /** The first {@code sentences} filler sentences of the cycle, separated by spaces ("" for 0). */
    public static String filler(int sentences) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < sentences; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(FILLER.get(i % FILLER.size()));
        }
        return sb.toString();
    }

    /** The whole prompt: task, {@code before} filler sentences, key line, {@code after} filler sentences, question. */
    public static String prompt(int key, int before, int after) {
        return String.join("\n", TASK, filler(before), keyLine(key), filler(after), QUESTION);
    }
}
