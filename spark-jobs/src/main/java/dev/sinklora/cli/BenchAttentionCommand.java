package dev.sinklora.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.bench.AttentionBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code sinklora bench-attention}: forward+backward time and peak attention memory of {@code sf}
 * against {@code full} at several lengths, measured in the same run; prints a table and ratios.
 */
@Command(name = "bench-attention", mixinStandardHelpOptions = true,
        description = {"Benchmark one attention layer (forward + backward): sf vs full, same run.",
                "Prints a table on stderr-free stdout and one JSON object as the last line."})
public final class BenchAttentionCommand implements Callable<Integer> {

    @Option(names = "--lengths", split = ",", defaultValue = "1024,2048,4096,8192", paramLabel = "N",
            description = "sequence lengths (default: ${DEFAULT-VALUE})")
    int[] lengths;

    @Option(names = "--heads", defaultValue = "8", description = "attention heads (default: ${DEFAULT-VALUE})")
    int heads;

    @Option(names = "--head-dim", defaultValue = "64", description = "head dimension (default: ${DEFAULT-VALUE})")
    int headDim;

    @Option(names = "--sink-tokens", defaultValue = "4", description = "sf sink tokens (default: ${DEFAULT-VALUE}); G = N/4")
    int sinks;

    @Option(names = "--modes", split = ",", defaultValue = "sf,full", description = "modes to run (default: ${DEFAULT-VALUE})")
    List<String> modes;

    @Option(names = "--repeats", defaultValue = "3", description = "timed repeats after one warm-up (default: ${DEFAULT-VALUE})")
    int repeats;

    @Override
    public Integer call() {
        if (repeats < 1 || heads < 1 || headDim < 2 || headDim % 2 != 0) {
            throw new dev.sinklora.model.BadInputException("--repeats and --heads must be >= 1, --head-dim even");
        }
        ObjectMapper json = new ObjectMapper();
        ArrayNode rows = json.createArrayNode();
        System.out.printf("%-6s %-20s %12s %12s %14s%n", "N", "pattern", "median ms", "min ms", "peak MiB");
        for (int n : lengths) {
            List<AttentionBenchmark.Result> atN = new ArrayList<>();
            for (String m : modes) {
                AttentionBenchmark.Result r = AttentionBenchmark.run(AttentionMode.parse(m), n, heads, headDim,
                        sinks, repeats, 42);
                atN.add(r);
                System.out.printf("%-6d %-20s %12.1f %12.1f %14.1f%n", n, r.pattern(), r.medianMillis(),
                        r.minMillis(), r.peakBytes() / 1048576.0);
                ObjectNode row = rows.addObject();
                row.put("n", n);
                row.put("pattern", r.pattern().toString());
                row.put("mode", r.pattern().mode().cliName());
                row.put("median_ms", r.medianMillis());
                row.put("min_ms", r.minMillis());
                row.put("peak_bytes", r.peakBytes());
                row.put("peak_activation_bytes", r.peakActivationBytes());
                row.put("constant_bytes", r.constantBytes());
            }
            AttentionBenchmark.Result sf = find(atN, AttentionMode.SF);
            AttentionBenchmark.Result full = find(atN, AttentionMode.FULL);
            if (sf != null && full != null) {
                System.out.printf("%-6d sf/full time %.3fx   memory %.3fx%n", n,
                        sf.medianMillis() / full.medianMillis(), (double) sf.peakBytes() / full.peakBytes());
            }
            System.out.flush();
        }
        ObjectNode out = json.createObjectNode();
        out.put("heads", heads);
        out.put("head_dim", headDim);
        out.set("results", rows);
        System.out.println(out);
        return 0;
    }

    private static AttentionBenchmark.Result find(List<AttentionBenchmark.Result> rs, AttentionMode mode) {
        return rs.stream().filter(r -> r.pattern().mode() == mode).findFirst().orElse(null);
    }
}
