package dev.sinklora.prep.sft;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.sinklora.model.io.JsonFiles;
import dev.sinklora.prep.TokenizerInfo;
import dev.sinklora.prep.record.Json;
import dev.sinklora.prep.spark.ShardFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * {@code OUT/manifest.json} of prep-sft, written last. {@code records_read = documents + rejected
 * + dropped}; {@code documents} are kept examples (= {@code sequences}, one row each);
 * {@code prompt_tokens} count masked positions (BOS included), {@code target_tokens} positions with
 * loss (EOS included), {@code tokens} their sum. {@code splits} repeats the counts per dataset split.
 * {@code options} are the output-shaping options by CLI name ({@link PrepSftOptions#fingerprint}),
 * compared by {@code --skip-if-done}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SftManifest(
        String format,
        int formatVersion,
        String createdAt,
        Map<String, String> options,
        List<String> inputs,
        int inputFiles,
        String template,
        String systemPrompt,
        int maxLen,
        String onOverflow,
        long seed,
        double valFraction,
        TokenizerInfo tokenizer,
        int labelIgnoreIndex,
        String shardSchema,
        long recordsRead,
        long documents,
        long rejected,
        Map<String, Long> rejectedByReason,
        long dropped,
        long truncated,
        long tokens,
        long promptTokens,
        long targetTokens,
        long sequences,
        Map<String, Split> splits) {

    public static final String FORMAT = "sinklora-prep-sft";

    /** Per dataset split counts and shard files. */
    public record Split(long documents, long truncated, long tokens, long promptTokens, long targetTokens,
                        long sequences, List<ShardFile> shards) {
    }

    public byte[] toJson() {
        try {
            return Json.MANIFEST.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a manifest; {@code source} names the file in messages. */
    public static SftManifest fromJson(byte[] json, String source) {
        try {
            return Json.MANIFEST.treeToValue(JsonFiles.parseObject(json, source), SftManifest.class);
        } catch (JsonProcessingException e) {
            throw JsonFiles.invalid(source + " (a prep-sft manifest)", e);
        }
    }
}
