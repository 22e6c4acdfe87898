package dev.sinklora.cli;

import dev.sinklora.model.BadInputException;
import dev.sinklora.prep.sft.OverflowPolicy;
import dev.sinklora.prep.sft.PrepSftJob;
import dev.sinklora.prep.sft.PrepSftOptions;
import dev.sinklora.prep.sft.PromptTemplate;
import dev.sinklora.prep.sft.SftManifest;
import dev.sinklora.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code sinklora prep-sft}: see {@link PrepSftJob}. */
@Command(name = "prep-sft", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = {
                "Format LongAlpaca-style SFT data ({instruction, input?, output}) into Parquet rows of input_ids and "
                        + "labels (-100 on the prompt, so the loss is only on output + EOS), one example per row, "
                        + "unpadded, in input order. Writes OUT/train/ (and OUT/validation/), OUT/rejected/, "
                        + "and, last, OUT/manifest.json."},
        footer = {"", "Example:",
                "  sinklora prep-sft --input s3a://bucket/LongAlpaca-12k.json \\",
                "    --tokenizer /models/llama2 --max-len 32768 \\",
                "    --out s3a://bucket/sft/longalpaca-32k"})
public final class PrepSftCommand implements Callable<Integer> {

    @Option(names = "--input", required = true, split = ",", paramLabel = "URI",
            description = "A JSON array or JSONL of {instruction, input?, output} (file, folder or glob; "
                    + "file://, hdfs://, s3a://; optionally .gz).")
    List<String> inputs;

    @Option(names = "--tokenizer", required = true, paramLabel = "PATH", description = "Hugging Face tokenizer.json (or its folder).")
    String tokenizer;

    @Option(names = "--max-len", required = true, paramLabel = "N",
            description = "Longest example in tokens (BOS and EOS included).")
    Integer maxLen;

    @Option(names = "--out", required = true, paramLabel = "URI", description = "Output folder.")
    String out;

    @Option(names = "--template", paramLabel = "T", defaultValue = "llama2-chat",
            description = "llama2-chat (LongLoRA's: \"[INST] <<SYS>>...<</SYS>> \\n\\n {instruction} \\n{input} [/INST]\" "
                    + "with input, else \"[INST]{instruction}[/INST]\"), alpaca or plain.")
    String template;

    @Option(names = "--on-overflow", paramLabel = "P", defaultValue = "reject",
            description = "Examples longer than --max-len: reject (to OUT/rejected), truncate (keep the first "
                    + "--max-len tokens) or drop (count only).")
    String onOverflow;

    @Option(names = "--system-prompt", paramLabel = "TEXT",
            description = "System prompt for llama2-chat (default: LongLoRA's LLaMA-2 system prompt).")
    String systemPrompt;

    @Option(names = "--val-fraction", paramLabel = "F", defaultValue = "0",
            description = "Fraction of examples (by a seeded hash of their text) for validation.")
    double valFraction;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Seed of the train/validation split.")
    long seed;

    @Option(names = "--max-rejected-fraction", paramLabel = "F", defaultValue = "0.01",
            description = "Fail (commit nothing) when more than this fraction of records is rejected.")
    double maxRejectedFraction;

    @Option(names = "--overwrite", description = "Replace a finished output of prep-corpus/prep-sft (at commit time). A folder without such a "
                    + "manifest is never deleted.")
    boolean overwrite;

    @Option(names = "--skip-if-done", description = "Do nothing if OUT already holds a finished output made with the same options; one made "
                    + "with other options is refused.")
    boolean skipIfDone;

    @Option(names = "--shard-mb", paramLabel = "MB", defaultValue = "128", description = "Target Parquet shard size.")
    int shardMb;

    @Override
    public Integer call() {
        PromptTemplate t;
        try {
            t = PromptTemplate.parse(template);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--template must be llama2-chat, alpaca or plain; got '" + template + "'");
        }
        OverflowPolicy p;
        try {
            p = OverflowPolicy.parse(onOverflow);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--on-overflow must be reject, truncate or drop; got '" + onOverflow + "'");
        }
        PrepSftOptions o = new PrepSftOptions(inputs, tokenizer, maxLen, out, t, p, systemPrompt, valFraction, seed,
                maxRejectedFraction, overwrite, skipIfDone, (long) shardMb << 20);
        try (SparkSessions session = SparkSessions.forCommand("prep-sft", BuildInfo.nd4jBackend())) {
            SftManifest m = PrepSftJob.run(session.get(), o);
            System.out.printf("prep-sft: %s: %d records -> %d examples (%d rejected, %d dropped, %d truncated), "
                            + "%d prompt + %d target tokens%n", o.out(), m.recordsRead(), m.documents(), m.rejected(),
                    m.dropped(), m.truncated(), m.promptTokens(), m.targetTokens());
            return 0;
        }
    }
}
