package dev.sinklora.prep.sft;

import dev.sinklora.model.BadInputException;
import dev.sinklora.prep.io.StagedOutput;
import org.apache.hadoop.conf.Configuration;

import java.util.List;
import java.util.Map;

/**
 * Options of {@code sinklora prep-sft}, validated at construction; messages name the CLI option.
 *
 * @param inputs LongAlpaca-format files (a JSON array or JSONL of {instruction, input?, output}),
 *               folders or globs
 * @param maxLen longest example in tokens, BOS and EOS included
 * @param systemPrompt llama2-chat system prompt, null for LongLoRA's
 * @param valFraction fraction of examples (by content hash) for validation, in [0, 1)
 */
public record PrepSftOptions(List<String> inputs, String tokenizer, int maxLen, String out, PromptTemplate template,
                             OverflowPolicy onOverflow, String systemPrompt, double valFraction, long seed,
                             double maxRejectedFraction, boolean overwrite, boolean skipIfDone, long shardBytes)
        implements java.io.Serializable {

    public static final double DEFAULT_MAX_REJECTED_FRACTION = 0.01;
    public static final long DEFAULT_SEED = 42;
    public static final long DEFAULT_SHARD_BYTES = 128L << 20;

    public PrepSftOptions {
        inputs = inputs == null ? List.of() : inputs.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (inputs.isEmpty()) {
            throw new BadInputException("--input: give the LongAlpaca-format JSON or JSONL file(s)");
        }
        if (tokenizer == null || tokenizer.isBlank()) {
            throw new BadInputException("--tokenizer is required");
        }
        if (out == null || out.isBlank()) {
            throw new BadInputException("--out is required");
        }
        if (maxLen < 4 || maxLen > 1 << 24) {
            throw new BadInputException("--max-len must be between 4 and " + (1 << 24) + ", got " + maxLen);
        }
        if (!(valFraction >= 0 && valFraction < 1)) {
            throw new BadInputException("--val-fraction must be in [0, 1), got " + valFraction);
        }
        if (!(maxRejectedFraction >= 0 && maxRejectedFraction <= 1)) {
            throw new BadInputException("--max-rejected-fraction must be in [0, 1], got " + maxRejectedFraction);
        }
        if (shardBytes < 1 << 20) {
            throw new BadInputException("--shard-mb must be >= 1, got " + (shardBytes >> 20));
        }
        template = template == null ? PromptTemplate.LLAMA2_CHAT : template;
        onOverflow = onOverflow == null ? OverflowPolicy.REJECT : onOverflow;
    }

    /**
     * What shapes the output, by CLI option, as the manifest records it for {@code --skip-if-done}
     * ({@link StagedOutput#fingerprint}, then this job's options).
     */
    public Map<String, String> fingerprint(Configuration conf, String tokenizerSha256) {
        Map<String, String> f = StagedOutput.fingerprint(inputs, tokenizerSha256, conf);
        f.put("--max-len", Integer.toString(maxLen));
        f.put("--template", template.cliName());
        f.put("--on-overflow", onOverflow.cliName());
        f.put("--system-prompt", systemPrompt);
        f.put("--val-fraction", Double.toString(valFraction));
        f.put("--seed", Long.toString(seed));
        f.put("--shard-mb", Long.toString(shardBytes >> 20));
        return f;
    }

    /** Defaults (llama2-chat, reject, no validation split) for everything but the required options. */
    public static PrepSftOptions of(List<String> inputs, String tokenizer, int maxLen, String out) {
        return new PrepSftOptions(inputs, tokenizer, maxLen, out, PromptTemplate.LLAMA2_CHAT, OverflowPolicy.REJECT,
                null, 0, DEFAULT_SEED, DEFAULT_MAX_REJECTED_FRACTION, false, false, DEFAULT_SHARD_BYTES);
    }

    public PrepSftOptions with(PromptTemplate t, OverflowPolicy p) {
        return new PrepSftOptions(inputs, tokenizer, maxLen, out, t, p, systemPrompt, valFraction, seed,
                maxRejectedFraction, overwrite, skipIfDone, shardBytes);
    }

    public PrepSftOptions withOut(String o, int len) {
        return new PrepSftOptions(inputs, tokenizer, len, o, template, onOverflow, systemPrompt, valFraction, seed,
                maxRejectedFraction, overwrite, skipIfDone, shardBytes);
    }

    public PrepSftOptions withValFraction(double f) {
        return new PrepSftOptions(inputs, tokenizer, maxLen, out, template, onOverflow, systemPrompt, f, seed,
                maxRejectedFraction, overwrite, skipIfDone, shardBytes);
    }

    public PrepSftOptions withMaxRejectedFraction(double f) {
        return new PrepSftOptions(inputs, tokenizer, maxLen, out, template, onOverflow, systemPrompt, valFraction,
                seed, f, overwrite, skipIfDone, shardBytes);
    }
}
