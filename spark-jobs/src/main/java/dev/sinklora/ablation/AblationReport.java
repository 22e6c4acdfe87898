package dev.sinklora.ablation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Writes a finished ablation as {@code OUT/ablation.json} and {@code OUT/ablation.png}, and renders its table. */
public final class AblationReport {

    public static final String JSON_FILE = "ablation.json";
    public static final String CHART_FILE = "ablation.png";
    private static final ObjectMapper JSON = new ObjectMapper();

    private AblationReport() {
    }

    /** Writes the JSON and the chart; returns the JSON. */
    public static ObjectNode write(AblationRunner.Result r, AblationOptions o) throws IOException {
        ObjectNode json = JSON.createObjectNode();
        json.put("command", "ablation");
        ObjectNode opts = json.putObject("options");
        ArrayNode modes = opts.putArray("modes");
        o.modes().forEach(m -> modes.add(m.cliName()));
        opts.put("seeds", o.seeds());
        opts.put("steps", o.steps());
        opts.put("base_context", o.baseContext());
        opts.put("long_context", o.longContext());
        opts.put("factor", o.factor());
        opts.put("documents", o.documents());
        opts.put("base_documents", o.baseDocuments());
        opts.put("base_steps", o.baseSteps());
        opts.put("passkey_trials", o.passkeyTrials());
        opts.put("parallel", o.parallel());
        opts.put("seed", o.seed());
        AblationSetup.Info info = r.setup().info();
        ObjectNode setup = json.putObject("setup");
        setup.put("base_pretrain_loss_first", info.basePretrainLossFirst());
        setup.put("base_pretrain_loss_last", info.basePretrainLossLast());
        setup.put("validation_tokens", r.setup().validation().tokens().length);
        setup.put("setup_seconds", info.seconds());
        json.setAll(r.summary().toJson());
        json.put("seconds", r.seconds());
        json.put("cpu_seconds", r.cpuSeconds());
        Path chart = o.out().resolve(CHART_FILE);
        byte[] png = AblationChart.png(r.summary(), o.longContext(), o.seeds());
        if (png != null) {
            Files.write(chart, png);
            json.put("chart", chart.toString());
        } else {
            json.putNull("chart");
        }
        Path file = o.out().resolve(JSON_FILE);
        json.put("json", file.toString());
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), json);
        return json;
    }

    /** The printed report: what ran, the table, the comparisons, the time. */
    public static String table(AblationRunner.Result r, AblationOptions o) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "ablation: base pretrained at %d, fine-tuned and evaluated at %d (RoPE x%d), "
                        + "%d steps x %d seed%s per mode; ppl over %d held-out tokens, %d passkey trials, full "
                        + "attention at evaluation%n%n", o.baseContext(), o.longContext(), o.factor(), o.steps(),
                o.seeds(), o.seeds() == 1 ? "" : "s", r.setup().validation().tokens().length, o.passkeyTrials()));
        sb.append(r.summary().table(o.factor()));
        sb.append(String.format(Locale.ROOT, "%n%.0f s wall, %.0f s CPU; %s%n", r.seconds(), r.cpuSeconds(),
                o.out().resolve(JSON_FILE)));
        return sb.toString();
    }
}
