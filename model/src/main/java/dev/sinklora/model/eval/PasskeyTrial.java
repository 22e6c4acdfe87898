package dev.sinklora.model.eval;

import java.io.Serializable;

/**
 * One passkey trial, ready to decode: the prompt's token ids (BOS first when the tokenizer has one) and how many
 * tokens the answer takes.
 *
 * @param length          the target length in tokens (prompt plus answer fit in it)
 * @param trial           trial number within the length, 0-based
 * @param key             the 5-digit pass key
 * @param depthBucket     which depth bucket the key was placed in (0 = near the start of the filler)
 * @param depth           the key's depth: filler sentences before it / all filler sentences, in the bucket's range
 * @param fillerSentences filler sentences in the prompt
 * @param promptIds       the prompt's token ids
 * @param answerTokens    tokens of the answer ({@code " " + key}) as it continues the prompt; decoded greedily
 */
public record PasskeyTrial(int length, int trial, int key, int depthBucket, double depth, int fillerSentences,
                           int[] promptIds, int answerTokens) implements Serializable {

    /** Prompt plus answer tokens: what the model's context must hold. */
    public int totalTokens() {
        return promptIds.length + answerTokens;
    }
}
