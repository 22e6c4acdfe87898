package dev.sinklora.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The generated tasks' tokenizer: an HF {@code tokenizer.json} with a WordLevel model over a fixed word list, ids
 * {@code <unk>}=0, {@code <s>}=1, {@code </s>}=2, then the words in order. Text is split on whitespace and
 * punctuation (HF's {@code Whitespace} pre-tokenizer), optionally also into single digits (so a number is one
 * token per digit); decoding fuses tokens without spaces.
 */
public final class WordLevelTokenizer {

    /** The special tokens, at ids 0, 1, 2. */
    public static final List<String> SPECIALS = List.of("<unk>", "<s>", "</s>");

    private WordLevelTokenizer() {
    }

    /** Vocabulary size for {@code words} (specials included). */
    public static int vocabSize(List<String> words) {
        return SPECIALS.size() + words.size();
    }

    /** The id of {@code words.get(i)}. */
    public static int id(int i) {
        return SPECIALS.size() + i;
    }

    /**
     * Writes the tokenizer for {@code words} to {@code file}.
     *
     * @param splitDigits also split runs of digits into single digits (words must then contain no digits)
     */
    public static void write(Path file, List<String> words, boolean splitDigits) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < SPECIALS.size(); i++) {
            ObjectNode t = added.addObject();
            t.put("id", i);
            t.put("content", SPECIALS.get(i));
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        root.putNull("normalizer");
        if (splitDigits) {
            ObjectNode seq = root.putObject("pre_tokenizer");
            seq.put("type", "Sequence");
            ArrayNode steps = seq.putArray("pretokenizers");
            steps.addObject().put("type", "Whitespace");
            steps.addObject().put("type", "Digits").put("individual_digits", true);
        } else {
            root.putObject("pre_tokenizer").put("type", "Whitespace");
        }
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "Fuse");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < SPECIALS.size(); i++) {
            vocab.put(SPECIALS.get(i), i);
        }
        for (int i = 0; i < words.size(); i++) {
            vocab.put(words.get(i), id(i));
        }
        model.put("unk_token", SPECIALS.get(0));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    }
}
