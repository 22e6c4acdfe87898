package dev.sinklora.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.model.eval.DepthBuckets;
import dev.sinklora.model.eval.PasskeyGrader;
import dev.sinklora.model.eval.PasskeyTrial;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The graded outcome of a passkey test: every trial's decoded answer and whether it matched the key exactly, and
 * accuracy per length and per (length, depth bucket).
 */
public final class PasskeyReport {

    /** One graded trial. */
    public record Outcome(PasskeyTrial trial, String answer, boolean correct, double seconds) {
    }

    /** Trials and correct answers in a group; accuracy is NaN for an empty group. */
    public record Cell(int trials, int correct) {
        public double accuracy() {
            return trials == 0 ? Double.NaN : (double) correct / trials;
        }
    }

    private final List<Integer> lengths;
    private final DepthBuckets buckets;
    private final List<Outcome> outcomes;

    private PasskeyReport(List<Integer> lengths, DepthBuckets buckets, List<Outcome> outcomes) {
        this.lengths = lengths;
        this.buckets = buckets;
        this.outcomes = outcomes;
    }

    /**
     * Grades {@code generated} against {@code trials} (matched by length and trial number).
     *
     * @param decode ids to text (the tokenizer's decode)
     */
    public static PasskeyReport grade(List<PasskeyTrial> trials, List<PasskeyJob.Generated> generated,
                                      Function<int[], String> decode, DepthBuckets buckets) {
        Map<String, PasskeyJob.Generated> byKey = new TreeMap<>();
        generated.forEach(g -> byKey.put(g.length() + "/" + g.trial(), g));
        List<Outcome> outcomes = new ArrayList<>();
        List<Integer> lengths = new ArrayList<>();
        for (PasskeyTrial t : trials) {
            PasskeyJob.Generated g = byKey.get(t.length() + "/" + t.trial());
            if (g == null) {
                throw new IllegalStateException("no result for trial " + t.trial() + " of length " + t.length());
            }
            String answer = decode.apply(g.ids());
            outcomes.add(new Outcome(t, answer, PasskeyGrader.correct(answer, t.key()), g.seconds()));
            if (!lengths.contains(t.length())) {
                lengths.add(t.length());
            }
        }
        return new PasskeyReport(List.copyOf(lengths), buckets, List.copyOf(outcomes));
    }

    public List<Integer> lengths() {
        return lengths;
    }

    public DepthBuckets buckets() {
        return buckets;
    }

    public List<Outcome> outcomes() {
        return outcomes;
    }

    public Cell overall() {
        return count(o -> true);
    }

    public Cell byLength(int length) {
        return count(o -> o.trial().length() == length);
    }

    public Cell cell(int length, int bucket) {
        return count(o -> o.trial().length() == length && o.trial().depthBucket() == bucket);
    }

    /** Mean prompt tokens (without the answer) of a length's trials. */
    public double meanPromptTokens(int length) {
        return outcomes.stream().filter(o -> o.trial().length() == length)
                .mapToInt(o -> o.trial().promptIds().length).average().orElse(Double.NaN);
    }

    private Cell count(java.util.function.Predicate<Outcome> which) {
        int n = 0;
        int ok = 0;
        for (Outcome o : outcomes) {
            if (which.test(o)) {
                n++;
                if (o.correct()) {
                    ok++;
                }
            }
        }
        return new Cell(n, ok);
    }

    /**
     * {@code accuracy} (length to accuracy), {@code accuracy_overall}, and {@code results}: per length its trials,
     * correct answers, mean prompt tokens and {@code by_depth} (bucket label, depth range, trials, correct, accuracy).
     */
    public ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        ObjectNode acc = json.putObject("accuracy");
        for (int len : lengths) {
            putAccuracy(acc, Integer.toString(len), byLength(len));
        }
        putAccuracy(json, "accuracy_overall", overall());
        ArrayNode results = json.putArray("results");
        for (int len : lengths) {
            ObjectNode r = results.addObject();
            Cell c = byLength(len);
            r.put("length", len);
            r.put("trials", c.trials());
            r.put("correct", c.correct());
            putAccuracy(r, "accuracy", c);
            r.put("prompt_tokens_mean", meanPromptTokens(len));
            ArrayNode depth = r.putArray("by_depth");
            for (int b = 0; b < buckets.count(); b++) {
                Cell cb = cell(len, b);
                ObjectNode d = depth.addObject();
                d.put("depth", buckets.label(b));
                d.put("from", buckets.lower(b));
                d.put("to", buckets.upper(b));
                d.put("trials", cb.trials());
                d.put("correct", cb.correct());
                putAccuracy(d, "accuracy", cb);
            }
        }
        return json;
    }

    private static void putAccuracy(ObjectNode node, String field, Cell c) {
        if (c.trials() == 0) {
            node.putNull(field);
        } else {
            node.put(field, c.accuracy());
        }
    }
}
