package dev.sinklora.ablation;

import dev.sinklora.demo.WordLevelTokenizer;
import dev.sinklora.model.eval.DepthBuckets;
import dev.sinklora.model.eval.PasskeyGrader;
import dev.sinklora.model.eval.PasskeyPromptBuilder;
import dev.sinklora.model.eval.PasskeyTrial;
import dev.sinklora.model.tokenizer.HfTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generated task as the tokenizer sees it: every document is exactly one packed row, no word is unknown, every
 * long-range recall is more than one attention group after its fact (and the short-range ones within the base's
 * context), and the passkey test's own prompts and answers use only the task's words.
 */
class AblationTaskTest {

    @TempDir
    static Path tmp;
    static HfTokenizer tok;

    @BeforeAll
    static void tokenizer() throws Exception {
        Path file = tmp.resolve("tokenizer.json");
        WordLevelTokenizer.write(file, AblationTask.words(), true);
        tok = HfTokenizer.load(file);
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    @Test
    void everyDocumentIsOneRowOfKnownWords() {
        for (AblationTask.Shape shape : List.of(AblationTask.Shape.shortRange(64), AblationTask.Shape.longRange(256),
                AblationTask.Shape.longRange(512))) {
            List<String> docs = AblationTask.documents(shape, 40, 7);
            for (String d : docs) {
                int[] ids = tok.encode(d);
                assertEquals(shape.length() - 2, ids.length, shape + ": " + d);
                assertFalse(Arrays.stream(ids).anyMatch(id -> id == 0), "an unknown word in " + d);
            }
            assertTrue(docs.get(0).contains(" is v"), "even documents state facts: " + docs.get(0));
            assertTrue(docs.get(1).contains("The pass key is"), "odd documents hide a pass key: " + docs.get(1));
        }
    }

    /** Row positions (BOS = 0) of each fact statement's and each recall's value word. */
    private static void checkRecallDistances(AblationTask.Shape shape, int minDistance, int maxDistance) {
        for (String d : AblationTask.documents(shape, 60, 11)) {
            List<String> w = List.of(d.split(" "));
            if (w.contains("pass")) {
                continue;
            }
            Map<String, Integer> stated = new HashMap<>();
            int recalls = 0;
            for (int i = 0; i + 2 < w.size(); i++) {
                if (w.get(i).startsWith("k") && w.get(i + 1).equals("is") && w.get(i + 2).startsWith("v")) {
                    Integer at = stated.putIfAbsent(w.get(i), i + 3);
                    if (at != null) {
                        int distance = i + 3 - at;
                        assertTrue(distance > minDistance && distance <= maxDistance,
                                "recall of " + w.get(i) + " " + distance + " positions after its fact in " + d);
                        assertEquals(w.get(at - 1), w.get(i + 2), "a recall repeats the stated value");
                        recalls++;
                    }
                }
            }
            assertEquals(shape.facts(), stated.size(), d);
            assertEquals(shape.facts(), recalls, "every fact is recalled once: " + d);
        }
    }

    @Test
    void longRangeRecallsAreMoreThanOneAttentionGroupAfterTheirFacts() {
        checkRecallDistances(AblationTask.Shape.longRange(256), 256 / 4, 256);
        checkRecallDistances(AblationTask.Shape.longRange(512), 512 / 4, 512);
    }

    @Test
    void shortRangeRecallsFitTheBaseContext() {
        checkRecallDistances(AblationTask.Shape.shortRange(64), 0, 63);
    }

    @Test
    void passkeyPromptsUseTheTaskWordsAndAnswersDecodeToTheKey() {
        PasskeyPromptBuilder builder = new PasskeyPromptBuilder(tok, new DepthBuckets(5), 3);
        for (int t = 0; t < 5; t++) {
            PasskeyTrial trial = builder.build(256, t);
            assertTrue(trial.totalTokens() <= 256 && trial.totalTokens() > 240, "fills its length: " + trial.totalTokens());
            assertEquals(1, trial.promptIds()[0], "BOS first");
            assertFalse(Arrays.stream(trial.promptIds()).anyMatch(id -> id == 0), "an unknown word in the prompt");
            assertEquals(5, trial.answerTokens(), "one token per digit");
            int[] answer = tok.encode(" " + trial.key());
            assertTrue(PasskeyGrader.correct(tok.decode(answer), trial.key()), tok.decode(answer));
        }
    }
}
