package dev.sinklora.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.bench.AttentionBenchmark.Kernel;
import dev.sinklora.bench.AttentionBenchmark.Result;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.memory.Nd4jNativeMemory;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code sinklora bench-attention}: forward+backward time and peak memory of one attention layer, sf
 * against full, for the chunked kernel and the SameDiff group-wise graph, measured in the same run;
 * prints a table, the sf/full ratios per kernel, and one JSON object as the last line.
 */
@Command(name = "bench-attention", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmark one attention layer (forward + backward, q/k/v [1, heads, N, head-dim]): "
                + "sf (G = N/4) vs full, for the chunked kernel (eager, memory bounded by one query chunk) and "
                + "the group-wise SameDiff graph, same run. One warm-up, then --repeats timed runs: min and median.",
                "Memory per case: peak RSS (exact on Linux) and the peak of ND4J's native bytes above the case's "
                        + "start; groupwise also the peak of its gradient session's live arrays. A groupwise case "
                        + "whose estimated memory exceeds --groupwise-budget is skipped (it would be OOM-killed).",
                "Prints ND4J's threads and the load average before and after: on a shared machine set "
                        + "OMP_NUM_THREADS=1 (per-op thread hand-offs dominate when cores are oversubscribed).",
                "Table on stdout, one JSON object as the last line."})
public final class BenchAttentionCommand implements Callable<Integer> {

    @Option(names = "--lengths", split = ",", defaultValue = "1024,2048,4096,8192", paramLabel = "N",
            description = "sequence lengths (default: ${DEFAULT-VALUE})")
    int[] lengths;

    @Option(names = "--modes", split = ",", defaultValue = "sf,full", paramLabel = "MODE",
            description = "attention modes (default: ${DEFAULT-VALUE})")
    List<String> modes;

    @Option(names = "--kernels", split = ",", defaultValue = "chunked,groupwise", paramLabel = "KERNEL",
            description = "chunked and/or groupwise (default: ${DEFAULT-VALUE})")
    List<String> kernels;

    @Option(names = "--heads", defaultValue = "8", description = "query heads (default: ${DEFAULT-VALUE})")
    int heads;

    @Option(names = "--kv-heads", paramLabel = "KVH", description = "key/value heads, dividing --heads (default: --heads)")
    Integer kvHeads;

    @Option(names = "--head-dim", defaultValue = "64", description = "head dimension (default: ${DEFAULT-VALUE})")
    int headDim;

    @Option(names = "--sink-tokens", defaultValue = "4", description = "sf sink tokens (default: ${DEFAULT-VALUE}); G = N/4")
    int sinks;

    @Option(names = "--query-chunk", defaultValue = "256", paramLabel = "ROWS",
            description = "chunked kernel: most queries per chunk (default: ${DEFAULT-VALUE})")
    int queryChunk;

    @Option(names = "--repeats", defaultValue = "3", description = "timed repeats after one warm-up (default: ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--groupwise-budget", defaultValue = "8", paramLabel = "GIB",
            description = "skip groupwise cases estimated to need more resident memory than this (default: ${DEFAULT-VALUE})")
    double groupwiseBudgetGib;

    @Option(names = "--seed", defaultValue = "42", description = "seed for q, k, v and dOut (default: ${DEFAULT-VALUE})")
    long seed;

    private static final double MIB = 1024.0 * 1024;

    @Override
    public Integer call() {
        int kvh = kvHeads == null ? heads : kvHeads;
        validate(kvh);
        List<AttentionMode> modeList = modes.stream().map(m -> {
            try {
                return AttentionMode.parse(m);
            } catch (BadInputException e) {
                throw new BadInputException("--modes: " + e.getMessage());
            }
        }).toList();
        List<Kernel> kernelList = kernels.stream().map(k -> {
            try {
                return Kernel.parse(k);
            } catch (BadInputException e) {
                throw new BadInputException("--kernels: " + e.getMessage());
            }
        }).toList();
        AttentionBenchmark.Settings settings = new AttentionBenchmark.Settings(heads, kvh, headDim, sinks, repeats,
                queryChunk, (long) (groupwiseBudgetGib * 1024 * MIB), seed);

        String threads = Nd4j.getEnvironment().maxThreads() + " threads (OMP_NUM_THREADS="
                + System.getenv().getOrDefault("OMP_NUM_THREADS", "unset") + ")";
        String loadBefore = loadAverage();
        System.out.printf("ND4J CPU FP32, %s; heads %d, kv heads %d, head dim %d, query chunk %d; load average %s%n",
                threads, heads, kvh, headDim, queryChunk, loadBefore);
        System.out.printf("%-6s %-10s %-18s %10s %10s %11s %11s %11s%n", "N", "kernel", "pattern", "median ms",
                "min ms", "RSS MiB", "+RSS MiB", "ND4J MiB");
        ObjectMapper json = new ObjectMapper();
        ArrayNode rows = json.createArrayNode();
        for (int n : lengths) {
            for (Kernel kernel : kernelList) {
                List<Result> atN = new ArrayList<>();
                for (AttentionMode mode : modeList) {
                    Result r = AttentionBenchmark.run(settings, kernel, mode, n);
                    atN.add(r);
                    print(r);
                    rows.add(toJson(json, r));
                }
                printRatio(atN);
                System.out.flush();
            }
        }
        String loadAfter = loadAverage();
        System.out.println("load average after: " + loadAfter);
        ObjectNode out = json.createObjectNode();
        out.put("heads", heads);
        out.put("kv_heads", kvh);
        out.put("head_dim", headDim);
        out.put("query_chunk", queryChunk);
        out.put("repeats", repeats);
        out.put("nd4j_threads", Nd4j.getEnvironment().maxThreads());
        out.put("omp_num_threads", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
        out.put("load_average_before", loadBefore);
        out.put("load_average_after", loadAfter);
        out.set("results", rows);
        System.out.println(out);
        return 0;
    }

    private void validate(int kvh) {
        if (repeats < 1) {
            throw new BadInputException("--repeats must be >= 1, got " + repeats);
        }
        if (heads < 1) {
            throw new BadInputException("--heads must be >= 1, got " + heads);
        }
        if (kvh < 1 || heads % kvh != 0) {
            throw new BadInputException("--kv-heads must be >= 1 and divide --heads " + heads + ", got " + kvh);
        }
        if (headDim < 2 || headDim % 2 != 0) {
            throw new BadInputException("--head-dim must be even and >= 2, got " + headDim);
        }
        if (sinks < 0) {
            throw new BadInputException("--sink-tokens must be >= 0, got " + sinks);
        }
        if (queryChunk < 1) {
            throw new BadInputException("--query-chunk must be >= 1, got " + queryChunk);
        }
        if (!(groupwiseBudgetGib >= 0)) {
            throw new BadInputException("--groupwise-budget must be >= 0, got " + groupwiseBudgetGib);
        }
        for (int n : lengths) {
            if (n < 4) {
                throw new BadInputException("--lengths must be >= 4 (G = N/4), got " + n);
            }
        }
        if (!Nd4jNativeMemory.available()) {
            System.err.println("sinklora bench-attention: note: this ND4J backend exposes no memory counter; "
                    + "ND4J peaks print as -1");
        }
    }

    private static void print(Result r) {
        if (r.skipped() != null) {
            System.out.printf("%-6d %-10s %-18s skipped: %s%n", r.n(), r.kernel().cliName(), r.pattern(), r.skipped());
            return;
        }
        System.out.printf("%-6d %-10s %-18s %10.1f %10.1f %11.1f %11.1f %11.1f%n", r.n(), r.kernel().cliName(),
                r.pattern(), r.medianMillis(), r.minMillis(), r.peakRssBytes() / MIB,
                (r.peakRssBytes() - r.baselineRssBytes()) / MIB, r.peakNd4jBytes() / MIB);
    }

    /** sf/full of median time and of the ND4J peak, when both ran for this kernel and length. */
    private static void printRatio(List<Result> atN) {
        Result sf = find(atN, AttentionMode.SF);
        Result full = find(atN, AttentionMode.FULL);
        if (sf != null && full != null) {
            System.out.printf("%-6d %-10s sf/full time %.3fx (min %.3fx)   ND4J memory %.3fx   +RSS %.3fx%n",
                    sf.n(), sf.kernel().cliName(), sf.medianMillis() / full.medianMillis(),
                    sf.minMillis() / full.minMillis(), (double) sf.peakNd4jBytes() / full.peakNd4jBytes(),
                    (double) (sf.peakRssBytes() - sf.baselineRssBytes())
                            / (full.peakRssBytes() - full.baselineRssBytes()));
        }
    }

    private static Result find(List<Result> rs, AttentionMode mode) {
        return rs.stream().filter(r -> r.pattern().mode() == mode && r.skipped() == null).findFirst().orElse(null);
    }

    private static ObjectNode toJson(ObjectMapper json, Result r) {
        ObjectNode row = json.createObjectNode();
        row.put("n", r.n());
        row.put("kernel", r.kernel().cliName());
        row.put("pattern", r.pattern().toString());
        row.put("mode", r.pattern().mode().cliName());
        if (r.skipped() != null) {
            row.put("skipped", r.skipped());
            return row;
        }
        row.put("median_ms", r.medianMillis());
        row.put("min_ms", r.minMillis());
        ArrayNode times = row.putArray("times_ms");
        for (double t : r.millis()) {
            times.add(t);
        }
        row.put("peak_rss_bytes", r.peakRssBytes());
        row.put("baseline_rss_bytes", r.baselineRssBytes());
        row.put("nd4j_peak_bytes", r.peakNd4jBytes());
        if (r.trackedPeakBytes() >= 0) {
            row.put("tracked_peak_bytes", r.trackedPeakBytes());
        }
        return row;
    }

    /** The 1, 5 and 15 minute load averages ("unknown" off Linux). */
    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
