package dev.sinklora.bench;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A generated English-like corpus for {@code bench-prep}: Zipf-distributed words (common English
 * words plus syllable-built words, so BPE sees both whole-word and sub-word tokens), sentences,
 * paragraphs, numbers and some punctuation; documents from ~1 KB to ~300 KB (log-uniform); JSONL
 * files of {"text": ...}. Deterministic for a seed.
 */
final class BenchCorpus {
    private static final String[] COMMON = ("the of and to in a is that for it as was with be by on not he this are or "
            + "his from at which but have an they you were her she there been one all we their has would when if so no "
            + "will more can about what other into some time could them than these only two may first then do any like "
            + "my now over such our man me even most made after also did many before must through back years where much "
            + "your way well down should because each just those people how too little state good very make world still "
            + "own see men work long get here between both life being under never day same another know while last might "
            + "us great old year off come since against go came right used take three attention context window model "
            + "token sequence training layer memory").split(" ");
    private static final String[] SYLLABLES = ("ka lo mi ne sa tu ri po ve da gen tion ing er al ly ment con pre pro "
            + "ex in dis re un ber tor ism ist ous ive ful less ness ter ran dom qua lex syn the sis mor pho").split(" ");
    private static final String[] PUNCT = {",", ",", ";", ":", " -", "'s"};

    private final Random rnd;
    private final String[] vocab;
    private final double[] cumulative;

    BenchCorpus(long seed) {
        rnd = new Random(seed);
        List<String> words = new ArrayList<>(List.of(COMMON));
        while (words.size() < 30_000) {
            StringBuilder w = new StringBuilder();
            int n = 1 + rnd.nextInt(4);
            for (int i = 0; i < n; i++) {
                w.append(SYLLABLES[rnd.nextInt(SYLLABLES.length)]);
            }
            words.add(w.toString());
        }
        vocab = words.toArray(String[]::new);
        cumulative = new double[vocab.length];
        double acc = 0;
        for (int i = 0; i < vocab.length; i++) {
            acc += 1.0 / (i + 1);
            cumulative[i] = acc;
        }
    }

    private String word() {
        double u = rnd.nextDouble() * cumulative[cumulative.length - 1];
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] < u) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return vocab[lo];
    }

    /** One document of about {@code chars} characters. */
    String document(int chars) {
        StringBuilder sb = new StringBuilder(chars + 64);
        boolean sentenceStart = true;
        int sinceParagraph = 0;
        while (sb.length() < chars) {
            String w = rnd.nextInt(40) == 0 ? Integer.toString(rnd.nextInt(10_000)) : word();
            if (sentenceStart) {
                w = Character.toUpperCase(w.charAt(0)) + w.substring(1);
                sentenceStart = false;
            }
            sb.append(w);
            int r = rnd.nextInt(100);
            if (r < 7) {
                sb.append('.');
                sentenceStart = true;
                if (++sinceParagraph > 5 + rnd.nextInt(6)) {
                    sb.append("\n\n");
                    sinceParagraph = 0;
                    continue;
                }
            } else if (r < 12) {
                sb.append(PUNCT[rnd.nextInt(PUNCT.length)]);
            }
            sb.append(' ');
        }
        return sb.toString();
    }

    /** Writes JSONL files under {@code dir} until {@code bytes} are written; returns the files. */
    List<Path> write(Path dir, long bytes, int files) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper();
        json.getFactory().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        List<Path> out = new ArrayList<>();
        long perFile = bytes / files + 1;
        for (int f = 0; f < files; f++) {
            Path p = dir.resolve(String.format("part-%03d.jsonl", f));
            try (BufferedWriter w = Files.newBufferedWriter(p, StandardCharsets.UTF_8)) {
                long written = 0;
                while (written < perFile) {
                    int chars = (int) Math.exp(Math.log(1_000) + rnd.nextDouble() * Math.log(300.0));
                    String line = json.writeValueAsString(java.util.Map.of("text", document(chars)));
                    w.write(line);
                    w.write('\n');
                    written += line.length() + 1;
                }
            }
            out.add(p);
        }
        return out;
    }
}
