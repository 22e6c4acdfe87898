package dev.sinklora.model.generate;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.llama.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DJL tokenizer seam on the LLaMA-2 tokenizer, streaming detokenization and the chat template. */
class TokenizerTest {

    static HfPromptTokenizer tok;

    @BeforeAll
    static void load() {
        tok = HfPromptTokenizer.load(Fixtures.resource("llama2-tokenizer"));
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    @Test
    void encodesWithBosAndDecodesBack() {
        int[] ids = tok.encode("Hello world");
        assertEquals(1, ids[0]);            // <s>
        assertEquals(3, ids.length);        // <s> ▁Hello ▁world
        assertEquals("Hello world", tok.decode(ids));
    }

    @Test
    void longTextIsNotTruncatedTo512() {
        int[] ids = tok.encode("hello ".repeat(800).strip());
        assertEquals(801, ids.length);
    }

    @Test
    void streamedPiecesAddUpToTheTextWithoutBrokenCharacters() {
        String text = "Grüße 🙂 aus 東京, twice: 🙂🙂!";
        int[] ids = tok.encode(text);
        StreamingDetokenizer s = new StreamingDetokenizer(tok);
        StringBuilder streamed = new StringBuilder();
        int held = 0;
        for (int i = 1; i < ids.length; i++) {   // generated ids carry no BOS
            String piece = s.add(ids[i]);
            held += piece.isEmpty() ? 1 : 0;
            assertFalse(piece.contains("\uFFFD"), piece);
            streamed.append(piece);
        }
        streamed.append(s.rest());
        assertEquals(text, streamed.toString());
        assertTrue(held > 0, "the emoji's byte-fallback tokens should be held back until complete");
    }

    @Test
    void llama2ChatTemplate() {
        assertEquals("[INST] Hi there [/INST]", ChatTemplate.llama2(null, " Hi there\n"));
        assertEquals("[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST]", ChatTemplate.llama2("Be brief.", "Hi"));
    }

    @Test
    void missingTokenizerNamesTheOption() {
        BadInputException e = assertThrows(BadInputException.class,
                () -> HfPromptTokenizer.load(Path.of("/nonexistent/dir")));
        assertTrue(e.getMessage().startsWith("--tokenizer"), e.getMessage());
    }
}
