package dev.sinklora.model.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.model.BadInputException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HfTokenizerTest {
    static final Path LLAMA2 = Path.of("src/test/resources/llama2-tokenizer/tokenizer.json");
    static HfTokenizer tok;

    @BeforeAll
    static void load() {
        tok = HfTokenizer.load(LLAMA2);
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    @Test
    void llama2IdsMatchTheReferenceWithBos() {
        assertArrayEquals(new int[]{1, 2646, 1327, 287}, tok.encodeWithBos("grabbed"));
        assertArrayEquals(new int[]{1, 29871, 2646, 1327, 287}, tok.encodeWithBos(" grabbed"));
        assertArrayEquals(new int[]{1, 29871, 13}, tok.encodeWithBos("\n"));
        assertArrayEquals(new int[]{1, 4853, 13, 4136, 13, 833, 29877}, tok.encodeWithBos("ax\n####\nboo"));
        assertArrayEquals(new int[]{1, 29871, 243, 162, 169, 156}, tok.encodeWithBos("\uD83E\uDD99"));
    }

    @Test
    void specialTokensComeFromTheTokenizer() {
        assertEquals(1, tok.bosId());
        assertEquals("<s>", tok.specialTokens().bosToken());
        assertEquals(2, tok.eosId());
        assertEquals("</s>", tok.specialTokens().eosToken());
        assertEquals(null, tok.specialTokens().padId());
    }

    @Test
    void longTextIsNotTruncatedAt512() {
        // Without "</s>": special-token text is encoded as the special token and decodes differently.
        String text = randomText(new Random(7), 6_000).replace("</s>", "s");
        int[] ids = tok.encode(text);
        assertTrue(ids.length > 2_000, "expected far more than 512 tokens, got " + ids.length);
        assertEquals(text, tok.decode(ids));
    }

    @Test
    void djlDefaultsWouldTruncateSoTheWrapperMustTurnThatOff() throws Exception {
        String text = randomText(new Random(3), 3_000);
        try (HuggingFaceTokenizer plain = HuggingFaceTokenizer.newInstance(
                new ByteArrayInputStream(Files.readAllBytes(LLAMA2)), Map.of())) {
            assertEquals(512, plain.encode(text).getIds().length);
        }
        assertTrue(tok.encode(text).length > 512);
    }

    @Test
    void pieceSplittingGivesExactlyTheWholeDocumentIds() {
        assertEquals("spaces+newlines", tok.pieceSplitting());
        Random rnd = new Random(11);
        for (int round = 0; round < 4; round++) {
            String text = randomText(rnd, 40_000 + rnd.nextInt(20_000));
            assertArrayEquals(tok.encodeWhole(text), tok.encode(text), "round " + round);
        }
        assertEquals(0, tok.wholeFallbacks());
    }

    @Test
    void encodePairEqualsJointEncodingWithThePromptAsCommonPrefix() {
        Random rnd = new Random(5);
        String[] completions = {"Sure, here it is.", " Sure", ".", "\nAnswer: 42", "🦙 llama", "]x"};
        for (int round = 0; round < 8; round++) {
            String prompt = "[INST] " + randomText(rnd, round < 4 ? 50 + rnd.nextInt(500) : 20_000 + rnd.nextInt(9_000))
                    .replace("</s>", "s") + " [/INST]";
            String completion = completions[round % completions.length] + randomText(rnd, 200 + rnd.nextInt(9_000));
            HfTokenizer.Pair pair = tok.encodePair(prompt, completion);
            int[] whole = tok.encodeWhole(prompt + completion);
            int[] promptOnly = tok.encodeWhole(prompt);
            assertArrayEquals(whole, pair.ids(), "round " + round);
            int lcp = 0;
            while (lcp < Math.min(whole.length, promptOnly.length) && whole[lcp] == promptOnly[lcp]) {
                lcp++;
            }
            assertEquals(lcp, pair.promptTokens(), "round " + round);
            assertTrue(pair.promptTokens() >= promptOnly.length - 1, "at most the junction token differs");
        }
        assertEquals(0, tok.wholeFallbacks());
    }

    @Test
    void sha256IsOfTheTokenizerFile() throws Exception {
        String expected = HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(LLAMA2)));
        assertEquals(expected, tok.sha256());
    }

    @Test
    void streamAndPathLoadingAgree() throws Exception {
        try (HfTokenizer fromStream = HfTokenizer.fromStream(Files.newInputStream(LLAMA2), "stream")) {
            assertArrayEquals(tok.encode("Hello, world!\nSecond line."), fromStream.encode("Hello, world!\nSecond line."));
            assertEquals(tok.sha256(), fromStream.sha256());
        }
    }

    @Test
    void tokenizerConfigOverridesSpecialTokens() throws Exception {
        byte[] json = Files.readAllBytes(LLAMA2);
        byte[] config = "{\"bos_token\": {\"content\": \"<s>\"}, \"eos_token\": \"<unk>\", \"pad_token\": \"</s>\"}"
                .getBytes(StandardCharsets.UTF_8);
        try (HfTokenizer t = HfTokenizer.fromBytes(json, config, "with-config")) {
            assertEquals(1, t.bosId());
            assertEquals(0, t.eosId());
            assertEquals(2, t.specialTokens().padId());
        }
    }

    @Test
    void missingEosIsAClearError() throws Exception {
        ObjectMapper m = new ObjectMapper();
        ObjectNode json = (ObjectNode) m.readTree(Files.readAllBytes(LLAMA2));
        json.remove("post_processor");
        json.putArray("added_tokens");
        ((ObjectNode) json.get("model").get("vocab")).remove("</s>");
        BadInputException e = assertThrows(BadInputException.class,
                () -> HfTokenizer.fromBytes(m.writeValueAsBytes(json), null, "no-eos.json"));
        assertTrue(e.getMessage().contains("no-eos.json") && e.getMessage().contains("EOS"), e.getMessage());
    }

    @Test
    void notATokenizerIsAClearError() {
        BadInputException e = assertThrows(BadInputException.class,
                () -> HfTokenizer.fromBytes("{\"a\":1}".getBytes(StandardCharsets.UTF_8), null, "bad.json"));
        assertTrue(e.getMessage().contains("bad.json"), e.getMessage());
        assertFalse(e.getMessage().isBlank());
    }

    /** Words, punctuation, unicode, runs of spaces and newlines: the boundaries piece splitting must respect. */
    static String randomText(Random rnd, int chars) {
        String[] words = {"the", "quick", "brown", "fox", "naïve", "日本語", "🦙", "x=1;", "(a+b)", "don't",
                "3.14", "Ünïcödé", "tokenization", "[INST]", "\t", "--", "é", "####", "</s>x", "grabbed"};
        String[] seps = {" ", " ", " ", " ", "  ", "\n", "\n\n", " \n", "\n ", ", ", ". ", "\r\n", "   "};
        StringBuilder sb = new StringBuilder(chars + 32);
        while (sb.length() < chars) {
            sb.append(words[rnd.nextInt(words.length)]).append(seps[rnd.nextInt(seps.length)]);
        }
        return sb.toString();
    }

    @Test
    void randomTextHelperProducesBoundaries() {
        String t = randomText(new Random(1), 10_000);
        assertTrue(PieceSplitter.pieceEnd(t, 0, 100, true, true) < t.length());
        assertTrue(Arrays.stream(t.split(" ")).count() > 100);
    }
}
