package dev.sinklora.prep.corpus;

import dev.sinklora.model.BadInputException;
import dev.sinklora.prep.io.InputFormat;
import dev.sinklora.prep.io.StagedOutput;
import org.apache.hadoop.conf.Configuration;

import java.util.List;
import java.util.Map;

/**
 * Options of {@code sinklora prep-corpus}, validated at construction; messages name the CLI option.
 *
 * @param inputs files, folders or globs ({@code file://}, {@code hdfs://}, {@code s3a://})
 * @param tokenizer HF {@code tokenizer.json} (or its folder)
 * @param seqLen tokens per packed row
 * @param out output folder
 * @param valFraction fraction of documents (by content hash) for validation, in [0, 1)
 * @param seed seeds the train/validation assignment
 * @param textField JSON field / Parquet column holding the text
 * @param format input format for every file, or null to tell it from each file name
 * @param maxRejectedFraction fail when rejected/records exceeds this, in [0, 1]
 * @param overwrite replace a finished output
 * @param skipIfDone do nothing when a finished output exists
 * @param lastRow pad or drop the last partial row of each split
 * @param maxSplitBytes byte-range size for uncompressed JSONL, 0 = automatic (for tests and tuning)
 * @param shardBytes target Parquet shard size in bytes
 */
public record PrepCorpusOptions(List<String> inputs, String tokenizer, int seqLen, String out, double valFraction,
                                long seed, String textField, InputFormat format, double maxRejectedFraction,
                                boolean overwrite, boolean skipIfDone, LastRow lastRow, long maxSplitBytes,
                                long shardBytes) {

    public static final double DEFAULT_VAL_FRACTION = 0.01;
    public static final long DEFAULT_SEED = 42;
    public static final double DEFAULT_MAX_REJECTED_FRACTION = 0.01;
    public static final long DEFAULT_SHARD_BYTES = 128L << 20;
    public static final int MAX_SEQ_LEN = 1 << 24;

    public PrepCorpusOptions {
        inputs = inputs == null ? List.of() : inputs.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (inputs.isEmpty()) {
            throw new BadInputException("--input: give at least one file, folder or glob");
        }
        require(tokenizer, "--tokenizer");
        require(out, "--out");
        require(textField, "--text-field");
        if (seqLen < 8 || seqLen > MAX_SEQ_LEN) {
            throw new BadInputException("--seq-len must be between 8 and " + MAX_SEQ_LEN + ", got " + seqLen);
        }
        if (!(valFraction >= 0 && valFraction < 1)) {
            throw new BadInputException("--val-fraction must be in [0, 1), got " + valFraction);
        }
        if (!(maxRejectedFraction >= 0 && maxRejectedFraction <= 1)) {
            throw new BadInputException("--max-rejected-fraction must be in [0, 1], got " + maxRejectedFraction);
        }
        if (maxSplitBytes < 0) {
            throw new BadInputException("--max-split-bytes must be >= 0 (0 = automatic), got " + maxSplitBytes);
        }
        if (shardBytes < 1 << 20) {
            throw new BadInputException("--shard-mb must be >= 1, got " + (shardBytes >> 20));
        }
        if (lastRow == null) {
            lastRow = LastRow.PAD;
        }
    }

    /** Options with the defaults for everything but the required ones. */
    public static PrepCorpusOptions of(List<String> inputs, String tokenizer, int seqLen, String out) {
        return new PrepCorpusOptions(inputs, tokenizer, seqLen, out, DEFAULT_VAL_FRACTION, DEFAULT_SEED, "text", null,
                DEFAULT_MAX_REJECTED_FRACTION, false, false, LastRow.PAD, 0, DEFAULT_SHARD_BYTES);
    }

    public PrepCorpusOptions withValFraction(double f) {
        return new PrepCorpusOptions(inputs, tokenizer, seqLen, out, f, seed, textField, format, maxRejectedFraction,
                overwrite, skipIfDone, lastRow, maxSplitBytes, shardBytes);
    }

    public PrepCorpusOptions withSeed(long s) {
        return new PrepCorpusOptions(inputs, tokenizer, seqLen, out, valFraction, s, textField, format,
                maxRejectedFraction, overwrite, skipIfDone, lastRow, maxSplitBytes, shardBytes);
    }

    public PrepCorpusOptions withOut(String o) {
        return new PrepCorpusOptions(inputs, tokenizer, seqLen, o, valFraction, seed, textField, format,
                maxRejectedFraction, overwrite, skipIfDone, lastRow, maxSplitBytes, shardBytes);
    }

    public PrepCorpusOptions withMaxRejectedFraction(double f) {
        return new PrepCorpusOptions(inputs, tokenizer, seqLen, out, valFraction, seed, textField, format, f,
                overwrite, skipIfDone, lastRow, maxSplitBytes, shardBytes);
    }

    public PrepCorpusOptions withRerun(boolean overwrite, boolean skipIfDone) {
        return new PrepCorpusOptions(inputs, tokenizer, seqLen, out, valFraction, seed, textField, format,
                maxRejectedFraction, overwrite, skipIfDone, lastRow, maxSplitBytes, shardBytes);
    }

    public PrepCorpusOptions withLastRow(LastRow l) {
        return new PrepCorpusOptions(inputs, tokenizer, seqLen, out, valFraction, seed, textField, format,
                maxRejectedFraction, overwrite, skipIfDone, l, maxSplitBytes, shardBytes);
    }

    public PrepCorpusOptions withMaxSplitBytes(long b) {
        return new PrepCorpusOptions(inputs, tokenizer, seqLen, out, valFraction, seed, textField, format,
                maxRejectedFraction, overwrite, skipIfDone, lastRow, b, shardBytes);
    }

    public PrepCorpusOptions withTextField(String f) {
        return new PrepCorpusOptions(inputs, tokenizer, seqLen, out, valFraction, seed, f, format,
                maxRejectedFraction, overwrite, skipIfDone, lastRow, maxSplitBytes, shardBytes);
    }

    public PrepCorpusOptions withShardBytes(long b) {
        return new PrepCorpusOptions(inputs, tokenizer, seqLen, out, valFraction, seed, textField, format,
                maxRejectedFraction, overwrite, skipIfDone, lastRow, maxSplitBytes, b);
    }

    /**
     * What shapes the output, by CLI option, as the manifest records it for {@code --skip-if-done}
     * ({@link StagedOutput#fingerprint}, then this job's options).
     */
    public Map<String, String> fingerprint(Configuration conf, String tokenizerSha256) {
        Map<String, String> f = StagedOutput.fingerprint(inputs, tokenizerSha256, conf);
        f.put("--seq-len", Integer.toString(seqLen));
        f.put("--val-fraction", Double.toString(valFraction));
        f.put("--seed", Long.toString(seed));
        f.put("--text-field", textField);
        f.put("--format", format == null ? "auto" : format.name().toLowerCase(java.util.Locale.ROOT));
        f.put("--last-row", lastRow.name().toLowerCase(java.util.Locale.ROOT));
        f.put("--shard-mb", Long.toString(shardBytes >> 20));
        return f;
    }

    private static void require(String value, String option) {
        if (value == null || value.isBlank()) {
            throw new BadInputException(option + " is required");
        }
    }
}
