package dev.sinklora.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A generated corpus that needs long context, and the word-level tokenizer it is written in.
 * Each document first states facts ("k12 is v37 ."), then mixes filler sentences with recalls of
 * earlier facts: predicting the value of a recalled key needs the statement, often more than a
 * short context back. Words: keys {@code k0..k63}, values {@code v0..v63}, a few filler words.
 */
public final class DemoCorpus {

    static final int KEYS = 64;
    static final int VALUES = 64;
    static final String[] FILLER = {"the", "grass", "is", "green", "sky", "blue", "sun", "yellow", "here", "we",
            "go", "there", "and", "back", "again", "a", "day", "goes", "by", "so"};

    private DemoCorpus() {
    }

    /** The tokenizer's words in id order after {@code <unk>, <s>, </s>}. */
    static List<String> words() {
        List<String> w = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) w.add("k" + i);
        for (int i = 0; i < VALUES; i++) w.add("v" + i);
        for (String f : FILLER) if (!w.contains(f)) w.add(f);
        w.add(".");
        return w;
    }

    /** Vocabulary size of the tokenizer (specials included). */
    static int vocabSize() {
        return 3 + words().size();
    }

    /** Writes an HF tokenizer.json (WordLevel on whitespace, {@code <s>}=1, {@code </s>}=2). */
    public static void writeTokenizer(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        String[] specials = {"<unk>", "<s>", "</s>"};
        for (int i = 0; i < specials.length; i++) {
            ObjectNode t = added.addObject();
            t.put("id", i);
            t.put("content", specials[i]);
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "Whitespace");
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "Fuse");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < specials.length; i++) vocab.put(specials[i], i);
        List<String> words = words();
        for (int i = 0; i < words.size(); i++) vocab.put(words.get(i), 3 + i);
        model.put("unk_token", "<unk>");
        Files.createDirectories(file.getParent());
        Files.writeString(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    }

    /**
     * Writes {@code documents} JSONL records {@code {"text": ...}} of about {@code words} words each.
     * {@code recallDistance}: recalls refer to facts stated at least this many words earlier (0: any).
     */
    static void writeJsonl(Path file, int documents, int words, long seed) throws IOException {
        Random r = new Random(seed);
        ObjectMapper json = new ObjectMapper();
        Files.createDirectories(file.getParent());
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int d = 0; d < documents; d++) {
                ObjectNode rec = json.createObjectNode();
                rec.put("text", document(r, words));
                w.write(json.writeValueAsString(rec));
                w.newLine();
            }
        }
    }

    static String document(Random r, int words) {
        int facts = 8;
        int[] keys = new int[facts];
        int[] values = new int[facts];
        List<String> out = new ArrayList<>();
        for (int f = 0; f < facts; f++) {
            keys[f] = r.nextInt(KEYS);
            values[f] = r.nextInt(VALUES);
            out.add("k" + keys[f]);
            out.add("is");
            out.add("v" + values[f]);
            out.add(".");
        }
        while (out.size() < words) {
            if (r.nextInt(3) == 0) {
                int f = r.nextInt(facts);
                out.add("k" + keys[f]);
                out.add("is");
                out.add("v" + values[f]);
                out.add(".");
            } else {
                int n = 3 + r.nextInt(5);
                for (int i = 0; i < n; i++) out.add(FILLER[r.nextInt(FILLER.length)]);
                out.add(".");
            }
        }
        return String.join(" ", out);
    }
}
