package dev.sinklora.prep.corpus;

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
 * {@code OUT/manifest.json} of prep-corpus, written last (its presence marks a finished output).
 * Counts: {@code records_read = documents + rejected}; {@code tokens} are the documents' own
 * tokens (no BOS/EOS, no padding); {@code sequences} are rows. {@code splits} holds the same counts
 * per dataset split ("train", "validation") with its shard files. {@code options} are the
 * output-shaping options by CLI name ({@link PrepCorpusOptions#fingerprint}), compared by
 * {@code --skip-if-done}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CorpusManifest(
        String format,
        int formatVersion,
        String createdAt,
        Map<String, String> options,
        List<String> inputs,
        int inputFiles,
        long inputBytes,
        String textField,
        int seqLen,
        long seed,
        double valFraction,
        TokenizerInfo tokenizer,
        Packing packing,
        long recordsRead,
        long documents,
        long rejected,
        Map<String, Long> rejectedByReason,
        long tokens,
        long sequences,
        Map<String, SplitManifest> splits) {

    public static final String FORMAT = "sinklora-prep-corpus";

    /**
     * How documents were joined: {@code bos_per_document}/{@code eos_per_document} (each document
     * is BOS + tokens + EOS), the last-row policy and the pad id used.
     */
    public record Packing(boolean bosPerDocument, boolean eosPerDocument, String lastRow, int padId,
                          String shardSchema) {
    }

    /**
     * Per dataset split: documents, their own tokens, packed tokens (with BOS/EOS), rows, padding
     * added to the last row, tokens dropped with {@code --last-row drop}, and the shard files.
     */
    public record SplitManifest(long documents, long tokens, long packedTokens, long sequences, long paddingTokens,
                                long droppedTokens, List<ShardFile> shards) {
    }

    public byte[] toJson() {
        try {
            return Json.MANIFEST.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a manifest; {@code source} names the file in messages. */
    public static CorpusManifest fromJson(byte[] json, String source) {
        try {
            return Json.MANIFEST.treeToValue(JsonFiles.parseObject(json, source), CorpusManifest.class);
        } catch (JsonProcessingException e) {
            throw JsonFiles.invalid(source + " (a prep-corpus manifest)", e);
        }
    }
}
