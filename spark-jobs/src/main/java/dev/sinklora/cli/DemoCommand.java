package dev.sinklora.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.demo.DemoPipeline;
import dev.sinklora.model.BadInputException;
import dev.sinklora.cli.options.OverwriteOption;
import dev.sinklora.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code sinklora demo}: the whole pipeline on a generated task, no GPU, no downloads. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the whole pipeline on a generated long-context task (local, no GPU, no downloads).",
                "Steps: a generated corpus and word-level tokenizer, a tiny base trained from scratch at a short",
                "context, prep-corpus, SinkLoRA training at 4x the context with position interpolation, merge,",
                "and perplexity at the long context before and after (a table, then JSON as the last line)."})
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--out", defaultValue = "runs/demo", description = "working directory (default: ${DEFAULT-VALUE})")
    Path out;

    @Mixin
    OverwriteOption overwrite;

    @Option(names = "--base-context", defaultValue = "64", description = "context the base is trained at (default: ${DEFAULT-VALUE})")
    int baseContext;

    @Option(names = "--factor", defaultValue = "4", description = "context extension factor (default: ${DEFAULT-VALUE})")
    int factor;

    @Option(names = "--documents", defaultValue = "240", description = "generated documents (default: ${DEFAULT-VALUE})")
    int documents;

    @Option(names = "--base-steps", defaultValue = "400", description = "pretraining steps of the base (default: ${DEFAULT-VALUE})")
    int baseSteps;

    @Option(names = "--train-steps", defaultValue = "60", description = "SinkLoRA steps per worker (default: ${DEFAULT-VALUE})")
    int trainSteps;

    @Option(names = "--seed", defaultValue = "1", description = "seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (baseContext < 16 || factor < 2 || documents < 20 || baseSteps < 1 || trainSteps < 1) {
            throw new BadInputException("need --base-context >= 16, --factor >= 2, --documents >= 20, steps >= 1");
        }
        LocalOutputDir.prepare(out, overwrite.overwrite(), false, null);
        DemoPipeline.Result r;
        try (SparkSessions session = SparkSessions.forCommand("demo", BuildInfo.nd4jBackend())) {
            r = DemoPipeline.run(session.get(), new DemoPipeline.Options(out.toAbsolutePath(), baseContext,
                    factor, documents, baseSteps, trainSteps, seed));
        }
        System.out.printf("%n%-32s %8s %6s %10s %10s %10s%n", "model", "context", "rope", "attention", "mean NLL", "ppl");
        ObjectMapper json = new ObjectMapper();
        ObjectNode summary = json.createObjectNode();
        ArrayNode rows = summary.putArray("rows");
        for (DemoPipeline.PerplexityRow row : r.rows()) {
            System.out.printf("%-32s %8d %6.1f %10s %10.4f %10.3f%n", row.model(), row.context(), row.ropeFactor(),
                    row.attention(), row.meanNll(), row.ppl());
            ObjectNode n = rows.addObject();
            n.put("model", row.model());
            n.put("context", row.context());
            n.put("rope_factor", row.ropeFactor());
            n.put("mean_nll", row.meanNll());
            n.put("ppl", row.ppl());
            n.put("tokens", row.tokens());
        }
        summary.put("base_pretrain_loss_first", r.baseFirstLoss());
        summary.put("base_pretrain_loss_last", r.baseLastLoss());
        summary.put("train_loss_first", r.train().firstLoss());
        summary.put("train_loss_last", r.train().lastLoss());
        summary.put("out", out.toAbsolutePath().toString());
        summary.put("seconds", r.seconds());
        System.out.println(summary);
        return 0;
    }
}
