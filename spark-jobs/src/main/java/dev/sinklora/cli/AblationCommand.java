package dev.sinklora.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.ablation.AblationMode;
import dev.sinklora.ablation.AblationOptions;
import dev.sinklora.ablation.AblationReport;
import dev.sinklora.ablation.AblationRunner;
import dev.sinklora.cli.options.ResumeOptions;
import dev.sinklora.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code sinklora ablation}: the SinkLoRA paper's attention ablation, reproduced on a generated long-context task. */
@Command(name = "ablation", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Does SF-Attn beat S2-Attn? The paper's ablation on a generated task where long context "
                + "matters: documents whose recalled values were stated more than one attention group earlier, and "
                + "LongLoRA's passkey text.",
                "Built once: the task and its word-level tokenizer, a tiny base pretrained at --base-context (full "
                + "attention), prep-corpus at both lengths, held-out documents and passkey trials at the extended "
                + "length. Then, per seed, every mode is fine-tuned from that base (train's job: same data order, "
                + "steps, learning rate, LoRA r=8 on q/k/v/o + norms, RoPE factor = --factor); only the training "
                + "attention differs (s2-sinks = --attention s2 --sink-tokens 4). Every model is evaluated with full "
                + "attention: held-out perplexity at the extended length (eval-ppl's job) and passkey accuracy "
                + "(passkey's job, KV-cache decoding).",
                "Prints a table (ppl mean ± std over seeds, share of full attention's gain over the untuned base + "
                + "PI, passkey accuracy, training seconds per step, the paper's share) and the paired per-seed "
                + "differences against the seed noise; writes OUT/ablation.json (also the last stdout line) and "
                + "OUT/ablation.png. --resume reuses an existing --out's setup and finished runs."})
public final class AblationCommand implements Callable<Integer> {

    /** The defaults of a full run and of --quick, for options not given. */
    static final int SEEDS = 3, QUICK_SEEDS = 1;
    static final int STEPS = 200, QUICK_STEPS = 10;
    static final int DOCUMENTS = 480, QUICK_DOCUMENTS = 60;
    static final int BASE_DOCUMENTS = 4000, QUICK_BASE_DOCUMENTS = 600;
    static final int BASE_STEPS = 1200, QUICK_BASE_STEPS = 150;
    static final int TRIALS = 20, QUICK_TRIALS = 5;

    @Option(names = "--out", defaultValue = "runs/ablation", description = "working directory (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--seeds", paramLabel = "N", description = "fine-tuning seeds per mode (default: " + SEEDS
            + "; --quick: " + QUICK_SEEDS + ")")
    Integer seeds;

    @Option(names = "--modes", split = ",", paramLabel = "MODE",
            description = "training attentions: full, s2, s2-sinks, s2-reassembled, sf (default: all; the share of "
                    + "gain needs full)")
    List<String> modes;

    @Option(names = "--steps", paramLabel = "N", description = "fine-tuning steps per run (default: " + STEPS
            + "; --quick: " + QUICK_STEPS + ")")
    Integer steps;

    @Option(names = "--quick", description = "a smoke test: defaults of 1 seed, " + QUICK_STEPS + " steps, a small "
            + "task and a briefly trained base (a few minutes on 2 cores)")
    boolean quick;

    @Option(names = "--base-context", defaultValue = "64", paramLabel = "N",
            description = "context the base is pretrained at (default: ${DEFAULT-VALUE})")
    int baseContext;

    @Option(names = "--factor", defaultValue = "4", paramLabel = "F",
            description = "context extension factor = RoPE interpolation factor (default: ${DEFAULT-VALUE})")
    int factor;

    @Option(names = "--documents", paramLabel = "N", description = "long-range documents, 10% held out (default: "
            + DOCUMENTS + "; --quick: " + QUICK_DOCUMENTS + ")")
    Integer documents;

    @Option(names = "--base-documents", paramLabel = "N", description = "short-range documents the base is "
            + "pretrained on (default: " + BASE_DOCUMENTS + "; --quick: " + QUICK_BASE_DOCUMENTS + ")")
    Integer baseDocuments;

    @Option(names = "--base-steps", paramLabel = "N", description = "base pretraining steps, batch 8 (default: "
            + BASE_STEPS + "; --quick: " + QUICK_BASE_STEPS + ")")
    Integer baseSteps;

    @Option(names = "--passkey-trials", paramLabel = "N", description = "passkey trials per model (default: "
            + TRIALS + "; --quick: " + QUICK_TRIALS + ")")
    Integer passkeyTrials;

    @Option(names = "--parallel", defaultValue = "1", paramLabel = "P",
            description = "fine-tuning runs submitted to Spark at once (default: ${DEFAULT-VALUE}; more on a cluster)")
    int parallel;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the task and the base (default: ${DEFAULT-VALUE})")
    long seed;

    /** --resume: reuse the existing --out's setup and finished runs. */
    @Mixin
    ResumeOptions output;

    @Override
    public Integer call() throws Exception {
        List<AblationMode> parsed = new ArrayList<>();
        for (String m : modes == null ? List.of("full", "s2", "s2-sinks", "s2-reassembled", "sf") : modes) {
            parsed.add(AblationMode.parse(m));
        }
        AblationOptions o = new AblationOptions(out.toAbsolutePath(), parsed, pick(seeds, SEEDS, QUICK_SEEDS),
                pick(steps, STEPS, QUICK_STEPS), baseContext, factor, pick(documents, DOCUMENTS, QUICK_DOCUMENTS),
                pick(baseDocuments, BASE_DOCUMENTS, QUICK_BASE_DOCUMENTS), pick(baseSteps, BASE_STEPS, QUICK_BASE_STEPS),
                pick(passkeyTrials, TRIALS, QUICK_TRIALS), parallel, seed);
        boolean resume = output.resume(); // refuses --resume with --overwrite
        LocalOutputDir.prepare(o.out(), output.overwrite(), resume, "--resume");
        try (SparkSessions session = SparkSessions.forCommand("ablation", BuildInfo.nd4jBackend())) {
            AblationRunner.Result r = AblationRunner.run(session.get(), o, resume);
            ObjectNode json = AblationReport.write(r, o);
            System.out.println();
            System.out.print(AblationReport.table(r, o));
            System.out.println(new ObjectMapper().writeValueAsString(json));
        }
        return 0;
    }

    private int pick(Integer given, int full, int quickDefault) {
        return given != null ? given : quick ? quickDefault : full;
    }
}
