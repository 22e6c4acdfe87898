package dev.sinklora.cli;

import dev.sinklora.model.BadInputException;
import dev.sinklora.prep.corpus.CorpusManifest;
import dev.sinklora.prep.corpus.LastRow;
import dev.sinklora.prep.corpus.PrepCorpusJob;
import dev.sinklora.prep.corpus.PrepCorpusOptions;
import dev.sinklora.prep.io.InputFormat;
import dev.sinklora.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code sinklora prep-corpus}: see {@link PrepCorpusJob}. */
@Command(name = "prep-corpus", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = {
                "Tokenize long-context corpora and pack them into Parquet shards of exactly --seq-len tokens.",
                "Each document becomes BOS + tokens + EOS (never truncated); documents are joined in input order "
                        + "(files sorted by URI). Writes OUT/train/, OUT/validation/, OUT/rejected/ and, last, "
                        + "OUT/manifest.json."},
        footer = {"", "Example:",
                "  sinklora prep-corpus --input 's3a://bucket/corpus/*.jsonl.gz' \\",
                "    --tokenizer /models/llama2/tokenizer.json --seq-len 8192 \\",
                "    --out s3a://bucket/packed/8k --val-fraction 0.005 --skip-if-done"})
public final class PrepCorpusCommand implements Callable<Integer> {

    @Option(names = "--input", required = true, split = ",", paramLabel = "URI",
            description = "Files, folders or globs (file://, hdfs://, s3a://; comma-separated or repeated). "
                    + "JSONL[.gz] with a text field, Parquet with a text column, or plain text files (one document each).")
    List<String> inputs;

    @Option(names = "--tokenizer", required = true, paramLabel = "PATH",
            description = "Hugging Face tokenizer.json (or its folder; a tokenizer_config.json beside it sets BOS/EOS).")
    String tokenizer;

    @Option(names = "--seq-len", required = true, paramLabel = "N", description = "Tokens per packed row.")
    Integer seqLen;

    @Option(names = "--out", required = true, paramLabel = "URI", description = "Output folder.")
    String out;

    @Option(names = "--val-fraction", paramLabel = "F", defaultValue = "0.01",
            description = "Fraction of documents (chosen by a seeded hash of their text) for validation.")
    double valFraction;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Seed of the train/validation split.")
    long seed;

    @Option(names = "--text-field", paramLabel = "NAME", defaultValue = "text",
            description = "JSON field / Parquet column holding the text.")
    String textField;

    @Option(names = "--format", paramLabel = "FMT", defaultValue = "auto",
            description = "auto (from file names: .jsonl/.json/.ndjson, .parquet, .txt/.text/.md, optionally "
                    + ".gz/.bz2), jsonl, parquet or text.")
    String format;

    @Option(names = "--max-rejected-fraction", paramLabel = "F", defaultValue = "0.01",
            description = "Fail (commit nothing) when more than this fraction of records is rejected.")
    double maxRejectedFraction;

    @Option(names = "--last-row", paramLabel = "pad|drop", defaultValue = "pad",
            description = "The final partial row of each split: pad it (length column says how many tokens are "
                    + "real) or drop its tokens.")
    String lastRow;

    @Option(names = "--overwrite", description = "Replace a finished output of prep-corpus/prep-sft (at commit time; a failed run keeps the old "
                    + "one). A folder without such a manifest is never deleted.")
    boolean overwrite;

    @Option(names = "--skip-if-done", description = "Do nothing if OUT already holds a finished output made with the same options (for "
                    + "schedules); one made with other options is refused.")
    boolean skipIfDone;

    @Option(names = "--shard-mb", paramLabel = "MB", defaultValue = "128", description = "Target Parquet shard size.")
    int shardMb;

    @Option(names = "--max-split-mb", paramLabel = "MB", defaultValue = "0",
            description = "Byte range per task for uncompressed JSONL; 0 = automatic (a few per core, at most 64).")
    int maxSplitMb;

    @Override
    public Integer call() {
        PrepCorpusOptions o = new PrepCorpusOptions(inputs, tokenizer, seqLen, out, valFraction, seed, textField,
                parseFormat(format), maxRejectedFraction, overwrite, skipIfDone, parseLastRow(lastRow),
                (long) maxSplitMb << 20, (long) shardMb << 20);
        try (SparkSessions session = SparkSessions.forCommand("prep-corpus", BuildInfo.nd4jBackend())) {
            CorpusManifest m = PrepCorpusJob.run(session.get(), o);
            System.out.printf("prep-corpus: %s: %d records -> %d documents (%d rejected), %d tokens, %d sequences of %d "
                            + "(train %d, validation %d)%n", o.out(), m.recordsRead(), m.documents(), m.rejected(),
                    m.tokens(), m.sequences(), m.seqLen(), m.splits().get("train").sequences(),
                    m.splits().get("validation").sequences());
            return 0;
        }
    }

    static InputFormat parseFormat(String f) {
        if ("auto".equalsIgnoreCase(f)) {
            return null;
        }
        try {
            return InputFormat.parse(f);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--format must be auto, jsonl, parquet or text; got '" + f + "'");
        }
    }

    static LastRow parseLastRow(String s) {
        try {
            return LastRow.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--last-row must be pad or drop; got '" + s + "'");
        }
    }
}
