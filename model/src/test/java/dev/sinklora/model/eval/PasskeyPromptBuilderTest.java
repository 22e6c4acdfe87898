package dev.sinklora.model.eval;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.tokenizer.HfTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Passkey prompts with the real LLaMA-2 tokenizer: structure, length, depth, answer, determinism. */
class PasskeyPromptBuilderTest {

    static HfTokenizer tok;
    static final DepthBuckets FIVE = new DepthBuckets(5);

    @BeforeAll
    static void load() {
        tok = HfTokenizer.load(Path.of("src/test/resources/llama2-tokenizer/tokenizer.json"));
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    static String text(PasskeyTrial t) {
        assertEquals(tok.bosId(), t.promptIds()[0]);
        return tok.decode(Arrays.copyOfRange(t.promptIds(), 1, t.promptIds().length));
    }

    @Test
    void promptIsLongLorasTextWithTheKeyLineAmongTheFiller() {
        PasskeyTrial t = new PasskeyPromptBuilder(tok, FIVE, 0).build(1000, 3);
        int before = (int) Math.round(t.depth() * t.fillerSentences());
        String expected = "There is an important info hidden inside a lot of irrelevant text. Find it and memorize them. "
                + "I will quiz you about the important information there.\n"
                + PasskeyText.filler(before) + "\n"
                + "The pass key is " + t.key() + ". Remember it. " + t.key() + " is the pass key.\n"
                + PasskeyText.filler(t.fillerSentences() - before) + "\n"
                + "What is the pass key? The pass key is";
        assertEquals(expected, text(t));
        assertTrue(PasskeyText.filler(7).startsWith("The grass is green. The sky is blue. The sun is yellow. "
                + "Here we go. There and back again. The grass is green."));
        assertTrue(t.key() >= 10_000 && t.key() <= 99_999, "5-digit key " + t.key());
    }

    @Test
    void promptsFillTheirLengthToWithinOneSentence() {
        PasskeyPromptBuilder b = new PasskeyPromptBuilder(tok, FIVE, 7);
        int sentenceMax = PasskeyText.FILLER.stream().mapToInt(s -> tok.encode(s).length).max().orElseThrow() + 1;
        for (int length : new int[]{300, 1024, 4096}) {
            for (int trial = 0; trial < 10; trial++) {
                PasskeyTrial t = b.build(length, trial);
                assertTrue(t.totalTokens() <= length, length + "/" + trial + ": " + t.totalTokens());
                assertTrue(length - t.totalTokens() <= sentenceMax,
                        length + "/" + trial + ": " + t.totalTokens() + " leaves more than a sentence unused");
                // the ids are exactly the tokenization of the text
                assertArrayEquals(tok.encodeWithBos(text(t)), t.promptIds());
            }
        }
    }

    @Test
    void keyLandsAtTheRequestedDepthInTokens() {
        PasskeyPromptBuilder b = new PasskeyPromptBuilder(tok, FIVE, 1);
        int taskTokens = tok.encodeWithBos(PasskeyText.TASK + "\n").length;
        int tailTokens = tok.encode(PasskeyText.QUESTION).length;
        for (int trial = 0; trial < 10; trial++) {
            PasskeyTrial t = b.build(4096, trial);
            assertEquals(trial % 5, t.depthBucket());
            assertTrue(t.depth() >= FIVE.lower(t.depthBucket()) && t.depth() <= FIVE.upper(t.depthBucket()),
                    "depth " + t.depth() + " outside bucket " + t.depthBucket());
            // where the key's digits sit among the prompt's tokens
            String s = text(t);
            String head = s.substring(0, s.indexOf("The pass key is " + t.key()));
            int keyAt = tok.encodeWithBos(head).length;
            double tokenDepth = (keyAt - taskTokens) / (double) (t.promptIds().length - taskTokens - tailTokens
                    - tok.encode(PasskeyText.keyLine(t.key())).length);
            assertEquals(t.depth(), tokenDepth, 0.01, "trial " + trial);
            assertEquals(2, s.split(Integer.toString(t.key()), -1).length - 1, "the key appears twice, in its line");
        }
    }

    @Test
    void answerIsAsManyTokensAsTheKeyAloneAfterBos() {
        PasskeyTrial t = new PasskeyPromptBuilder(tok, FIVE, 0).build(500, 0);
        // LongLoRA: tokenizer(answer).input_ids[:, 1:], i.e. "▁" + five digits for LLaMA-2
        assertEquals(tok.encode(Integer.toString(t.key())).length, t.answerTokens());
        assertEquals(6, t.answerTokens());
    }

    @Test
    void trialsAreReproducibleAndVaried() {
        PasskeyTrial a = new PasskeyPromptBuilder(tok, FIVE, 0).build(1024, 4);
        PasskeyTrial again = new PasskeyPromptBuilder(tok, FIVE, 0).build(1024, 4);
        assertEquals(a.key(), again.key());
        assertArrayEquals(a.promptIds(), again.promptIds());
        Set<Integer> keys = new HashSet<>();
        for (int trial = 0; trial < 10; trial++) {
            keys.add(new PasskeyPromptBuilder(tok, FIVE, 0).build(1024, trial).key());
        }
        assertTrue(keys.size() >= 9, "keys " + keys);
        assertNotEquals(a.key(), new PasskeyPromptBuilder(tok, FIVE, 1).build(1024, 4).key());
    }

    @Test
    void tooShortALengthIsRejected() {
        var e = assertThrows(BadInputException.class, () -> new PasskeyPromptBuilder(tok, FIVE, 0).build(40, 0));
        assertTrue(e.getMessage().startsWith("--lengths: 40 is too short for a passkey prompt"), e.getMessage());
    }
}
