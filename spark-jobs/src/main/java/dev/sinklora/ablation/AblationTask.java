package dev.sinklora.ablation;

import dev.sinklora.model.eval.PasskeyPromptBuilder;
import dev.sinklora.model.eval.PasskeyText;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ablation's generated task, in which long context matters at the extended length. Every document is exactly
 * one packed row (BOS + {@code length - 2} words + EOS), of one of two kinds, alternating:
 * <ul>
 *   <li><b>facts</b>: a filler sentence, then {@code F} facts "kab is vcd ." (distinct keys, random values), filler,
 *   and from word {@code recallFrom} on each fact recalled once, in random order, between filler sentences. A
 *   recalled value can only be predicted from its statement: in the long shape every recall is more than a quarter
 *   of the document (one attention group, {@code G = N/4}) after it.</li>
 *   <li><b>passkey</b>: LongLoRA's passkey text ({@link PasskeyText}: task line, filler, key line at a random depth,
 *   filler, question) followed by the answer, filled to the length as the passkey test fills its prompts; the short
 *   shape leaves out the task line, which does not fit.</li>
 * </ul>
 * The words: keys {@code kaa..}, values {@code vaa..}, the passkey text's words (its filler is the filler), single
 * digits and punctuation. The tokenizer ({@code WordLevelTokenizer} with digits split) maps each word to one token.
 */
public final class AblationTask {

    static final int KEYS = 64;
    static final int VALUES = 64;
    /** What the tokenizer's pre-tokenizers split text into: single digits, letter runs, punctuation runs. */
    private static final Pattern TOKEN = Pattern.compile("[0-9]|[^\\W0-9]+|[^\\w\\s]+");

    private AblationTask() {
    }

    /**
     * The shape of one corpus.
     *
     * @param length     tokens per document with BOS and EOS (the packed row length)
     * @param facts      facts per fact document
     * @param recallFrom first word position of the recall zone (0: right after the facts)
     * @param taskLine   whether passkey documents start with the passkey test's task line
     */
    public record Shape(int length, int facts, int recallFrom, boolean taskLine) {

        /** The base's corpus at context {@code n}: recalls right after the facts, all within the context. */
        public static Shape shortRange(int n) {
            return new Shape(n, Math.max(2, n / 16), 0, false);
        }

        /** The fine-tuning and evaluation corpus at context {@code n}: recalls in the second half. */
        public static Shape longRange(int n) {
            return new Shape(n, Math.max(2, Math.min(KEYS, n / 20)), n / 2, true);
        }

        int words() {
            return length - 2;
        }
    }

    static String key(int i) {
        return "k" + (char) ('a' + i / 26) + (char) ('a' + i % 26);
    }

    static String value(int i) {
        return "v" + (char) ('a' + i / 26) + (char) ('a' + i % 26);
    }

    /** The tokenizer's words, in id order after the specials. */
    public static List<String> words() {
        Set<String> w = new LinkedHashSet<>();
        for (int i = 0; i < KEYS; i++) {
            w.add(key(i));
        }
        for (int i = 0; i < VALUES; i++) {
            w.add(value(i));
        }
        w.addAll(split(PasskeyText.prompt(PasskeyPromptBuilder.MIN_KEY, PasskeyText.FILLER.size(), 0)));
        for (char d = '0'; d <= '9'; d++) {
            w.add(String.valueOf(d));
        }
        w.add("is");
        w.add(".");
        return List.copyOf(w);
    }

    /** {@code text} as the tokenizer splits it (one word per token). */
    static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = TOKEN.matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /** {@code count} documents of {@code shape} (fact and passkey documents alternating), as texts. */
    public static List<String> documents(Shape shape, int count, long seed) {
        Random r = new Random(seed);
        List<String> out = new ArrayList<>(count);
        for (int d = 0; d < count; d++) {
            out.add(String.join(" ", d % 2 == 0 ? factDocument(r, shape) : passkeyDocument(r, shape)));
        }
        return out;
    }

    static List<String> factDocument(Random r, Shape s) {
        List<Integer> keys = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            keys.add(i);
        }
        Collections.shuffle(keys, r);
        int[] values = new int[s.facts()];
        List<String> out = new ArrayList<>(fillerSentence(r));
        for (int f = 0; f < s.facts(); f++) {
            values[f] = r.nextInt(VALUES);
            out.addAll(List.of(key(keys.get(f)), "is", value(values[f]), "."));
        }
        // positions in the row are word index + 1 (BOS first)
        while (out.size() + 1 < s.recallFrom()) {
            out.addAll(fillerSentence(r));
        }
        List<Integer> order = new ArrayList<>();
        for (int f = 0; f < s.facts(); f++) {
            order.add(f);
        }
        Collections.shuffle(order, r);
        int next = 0;
        while (out.size() < s.words()) {
            int left = order.size() - next;
            int room = s.words() - out.size();
            // a recall now with the probability that spreads the remaining ones evenly; forced when only just room
            if (left > 0 && (room < 4 * left + 6 || r.nextDouble() < 4.0 * left / room)) {
                int f = order.get(next++);
                out.addAll(List.of(key(keys.get(f)), "is", value(values[f]), "."));
            } else {
                out.addAll(fillerSentence(r));
            }
        }
        if (next < order.size()) {
            throw new IllegalArgumentException("shape " + s + " leaves no room to recall every fact");
        }
        return out.subList(0, s.words());
    }

    /** The passkey test's text with a random key at a random depth, its answer, and filler up to the length. */
    static List<String> passkeyDocument(Random r, Shape s) {
        int key = PasskeyPromptBuilder.MIN_KEY + r.nextInt(PasskeyPromptBuilder.MAX_KEY - PasskeyPromptBuilder.MIN_KEY + 1);
        double depth = r.nextDouble();
        List<String> answer = new ArrayList<>(split(Integer.toString(key)));
        answer.add(".");
        List<String> best = null;
        for (int sentences = 0; ; sentences++) {
            int before = (int) Math.round(depth * sentences);
            String prompt = PasskeyText.prompt(key, before, sentences - before);
            List<String> words = split(s.taskLine() ? prompt : prompt.substring(PasskeyText.TASK.length()));
            words.addAll(answer);
            if (words.size() > s.words()) {
                break;
            }
            best = words;
        }
        if (best == null) {
            throw new IllegalArgumentException("a passkey document does not fit in " + s.length() + " tokens");
        }
        List<String> out = new ArrayList<>(best);
        while (out.size() < s.words()) {
            out.addAll(fillerSentence(r));
        }
        return out.subList(0, s.words());
    }

    private static List<String> fillerSentence(Random r) {
        return split(PasskeyText.FILLER.get(r.nextInt(PasskeyText.FILLER.size())));
    }
}
