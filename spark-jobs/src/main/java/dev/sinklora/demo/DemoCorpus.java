package dev.sinklora.demo;

import java.io.IOException;
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
        return WordLevelTokenizer.vocabSize(words());
    }

    /** Writes the demo's HF tokenizer.json (WordLevel on whitespace, {@code <s>}=1, {@code </s>}=2). */
    public static void writeTokenizer(Path file) throws IOException {
        WordLevelTokenizer.write(file, words(), false);
    }

    /**
     * Writes {@code documents} JSONL records {@code {"text": ...}} of about {@code words} words each.
     */
    static void writeJsonl(Path file, int documents, int words, long seed) throws IOException {
        Random r = new Random(seed);
        List<String> texts = new ArrayList<>();
        for (int d = 0; d < documents; d++) {
            texts.add(document(r, words));
        }
        JsonlTexts.write(file, texts);
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
