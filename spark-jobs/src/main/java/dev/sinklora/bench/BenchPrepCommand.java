package dev.sinklora.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.model.tokenizer.HfTokenizer;
import dev.sinklora.prep.corpus.CorpusManifest;
import dev.sinklora.prep.corpus.PrepCorpusJob;
import dev.sinklora.prep.corpus.PrepCorpusOptions;
import dev.sinklora.prep.spark.ShardFile;
import dev.sinklora.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code sinklora bench-prep}: prep-corpus throughput on a generated corpus with 1, 2, ... local
 * cores, next to the bare tokenizer on one thread in the same JVM, plus tokenizer time on a 100k-
 * and a 1M-token document (is it linear?). This command sets its own Spark masters
 * ({@code local[N]}): it is a single-machine benchmark, not a job.
 */
@Command(name = "bench-prep", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = {"Benchmark prep-corpus against the bare tokenizer on a generated corpus (local cores only)."})
public final class BenchPrepCommand implements Callable<Integer> {

    @Option(names = "--tokenizer", required = true, paramLabel = "PATH", description = "Hugging Face tokenizer.json.")
    String tokenizer;

    @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "/tmp/sinklora-bench-prep",
            description = "Where the corpus is generated (reused if present) and outputs are written.")
    Path workDir;

    @Option(names = "--corpus-mb", paramLabel = "MB", defaultValue = "128", description = "Generated corpus size.")
    int corpusMb;

    @Option(names = "--files", paramLabel = "N", defaultValue = "16", description = "Corpus files.")
    int files;

    @Option(names = "--seq-len", paramLabel = "N", defaultValue = "4096", description = "prep-corpus --seq-len.")
    int seqLen;

    @Option(names = "--cores", paramLabel = "N[,N...]", split = ",", defaultValue = "1,2",
            description = "Local core counts to run prep-corpus with.")
    List<Integer> cores;

    @Option(names = "--skip-djl-whole", description = "Skip the whole-document DJL pass over the corpus.")
    boolean skipDjlWhole;

    @Override
    public Integer call() throws IOException {
        Path corpus = workDir.resolve("corpus-" + corpusMb + "mb-" + files);
        if (!Files.isDirectory(corpus)) {
            log("generating a %d MB corpus in %s ...", corpusMb, corpus);
            Path partial = workDir.resolve("corpus-partial");
            deleteTree(partial);
            new BenchCorpus(1234).write(partial, (long) corpusMb << 20, files);
            Files.move(partial, corpus);
        }
        long corpusBytes;
        try (Stream<Path> s = Files.list(corpus)) {
            corpusBytes = s.mapToLong(p -> p.toFile().length()).sum();
        }
        List<String> docs = readTexts(corpus);
        List<String> rows = new ArrayList<>();
        try (HfTokenizer tok = HfTokenizer.load(Path.of(tokenizer))) {
            log("corpus: %.1f MB, %d files, %d documents; tokenizer %s", corpusBytes / 1048576.0, files, docs.size(), tok);
            tok.encode(docs.get(0));
            long t0 = System.nanoTime();
            long tokens = 0;
            for (String d : docs) {
                tokens += tok.encode(d).length;
            }
            double bareSecs = (System.nanoTime() - t0) / 1e9;
            double bare = tokens / bareSecs;
            rows.add(String.format("%-48s %10.0f tokens/s  %7.1f s  %d tokens", "bare tokenizer, 1 thread (as the job uses it)",
                    bare, bareSecs, tokens));
            if (!skipDjlWhole) {
                t0 = System.nanoTime();
                long whole = 0;
                for (String d : docs) {
                    whole += tok.encodeWhole(d).length;
                }
                double s = (System.nanoTime() - t0) / 1e9;
                rows.add(String.format("%-48s %10.0f tokens/s  %7.1f s", "bare DJL, whole documents, 1 thread", whole / s, s));
            }
            docs = null;
            double one = 0;
            for (int c : cores) {
                double secs = runJob(corpus, c);
                java.nio.file.Path manifest = workDir.resolve("out-local-" + c).resolve("manifest.json");
                CorpusManifest m = CorpusManifest.fromJson(Files.readAllBytes(manifest), manifest.toString());
                double rate = m.tokens() / secs;
                if (c == cores.get(0)) {
                    one = rate;
                }
                rows.add(String.format("%-48s %10.0f tokens/s  %7.1f s  %.0f%% of bare, %.2fx %s",
                        "prep-corpus local[" + c + "] (whole job)", rate, secs, 100 * rate / bare, rate / one,
                        "local[" + cores.get(0) + "]"));
                long shardBytes = m.splits().get("train").shards().stream().mapToLong(ShardFile::bytes).sum();
                long shardRows = m.splits().get("train").shards().stream().mapToLong(ShardFile::rows).sum();
                rows.add(String.format("%-48s %d shards, %.1f MB avg, %.2f bytes/token", "  train shards",
                        m.splits().get("train").shards().size(), shardBytes / 1048576.0
                                / Math.max(1, m.splits().get("train").shards().size()),
                        shardBytes / (double) Math.max(1, shardRows * (long) seqLen)));
            }
            rows.addAll(documentScaling(tok, corpus));
        }
        System.out.println();
        System.out.println("bench-prep results (" + Runtime.getRuntime().availableProcessors() + " CPUs visible)");
        rows.forEach(System.out::println);
        return 0;
    }

    private double runJob(Path corpus, int c) {
        try (SparkSessions session = SparkSessions.localCores("bench-prep local[" + c + "]", c)) {
            PrepCorpusOptions o = PrepCorpusOptions.of(List.of(corpus.toString()), tokenizer, seqLen,
                    workDir.resolve("out-local-" + c).toString()).withRerun(true, false);
            long t0 = System.nanoTime();
            PrepCorpusJob.run(session.get(), o);
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    /** Tokenizer time on a ~100k-token and a ~1M-token document: linear means ~10x. */
    private List<String> documentScaling(HfTokenizer tok, Path corpus) throws IOException {
        List<String> docs = readTexts(corpus);
        List<String> out = new ArrayList<>();
        double[] wrapper = new double[2];
        double[] whole = new double[2];
        int[] sizes = {100_000, 1_000_000};
        for (int i = 0; i < 2; i++) {
            StringBuilder sb = new StringBuilder();
            long tokens = 0;
            for (int d = 0; d < docs.size() && tokens < sizes[i] * 11L / 10; d++) {
                sb.append(docs.get(d)).append("\n\n");
                tokens += tok.encode(docs.get(d)).length;
            }
            int cut = sb.indexOf(" ", (int) Math.min(sb.length() - 1, (long) sb.length() * sizes[i] / tokens));
            sb.setLength(cut < 0 ? sb.length() : cut);
            String doc = sb.toString();
            int n = tok.encode(doc).length;
            wrapper[i] = best(() -> tok.encode(doc));
            whole[i] = best(() -> tok.encodeWhole(doc));
            out.add(String.format("%-48s wrapper %6.3f s (%9.0f tokens/s), DJL whole %6.3f s (%9.0f tokens/s)",
                    "document of " + n + " tokens", wrapper[i], n / wrapper[i], whole[i], n / whole[i]));
        }
        out.add(String.format("%-48s wrapper %.1fx, DJL whole %.1fx (10x = linear, token counts differ slightly)",
                "time(1M doc) / time(100k doc)", wrapper[1] / wrapper[0], whole[1] / whole[0]));
        return out;
    }

    private static double best(Runnable r) {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return best;
    }

    private static List<String> readTexts(Path corpus) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> docs = new ArrayList<>();
        try (Stream<Path> s = Files.list(corpus)) {
            for (Path f : s.sorted().toList()) {
                try (BufferedReader r = Files.newBufferedReader(f)) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        JsonNode n = json.readTree(line);
                        docs.add(n.get("text").asText());
                    }
                }
            }
        }
        return docs;
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    private static void log(String fmt, Object... args) {
        System.err.println("bench-prep: " + String.format(fmt, args));
    }
}
