package dev.sinklora.model.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.io.JsonFiles;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} tokenizer (via DJL) set up for data preparation: no
 * truncation, no padding, no special tokens added by {@link #encode}, and linear time on long
 * documents.
 *
 * <p>DJL truncates to 512 tokens unless told otherwise; here truncation and padding are off.
 * Long texts are cut into ~{@value #PIECE_CHARS}-character pieces at boundaries no BPE merge
 * crosses ({@link PieceSplitter}); piece {@code i > 0} is encoded as {@code "\n" + piece} and the
 * ids of {@code "\n"} alone are dropped from its front, which undoes the prefix-space normalizer
 * (LLaMA prepends {@code ▁}). Each boundary kind is enabled only if splitting a built-in sample
 * at every such boundary reproduces the whole-text ids exactly; otherwise texts are encoded whole.
 *
 * <p>Not thread-safe by contract: use one instance per thread (Spark: per partition). Close it to
 * free the native tokenizer.
 */
public final class HfTokenizer implements AutoCloseable {

    /** Target piece length in characters (4k chars ~ 1k tokens: measured fastest here). */
    public static final int PIECE_CHARS = 4096;

    private static final String SEPARATOR = "\n";
    private static final String SELF_CHECK_SAMPLE = String.join("",
            "The quick brown fox jumps over the lazy dog. It's 3.14, not 22/7!\n",
            "Naïve café: déjà vu, Ünïcödé; 日本語のテキスト and 中文 mixed with English words.\n",
            "emoji 🦙 llama, flags 🇫🇷, math ∑x² ≤ ∞ — dashes – and “quotes” «guillemets».\n",
            "code: for (int i = 0; i < n; i++) { sum += a[i]; } // done\n",
            "  indented line\n\tTabbed\tcolumns\there\n\n\nthree newlines above;  two  spaces  here.\n",
            "Русский текст, ελληνικά, العربية, עברית, 한국어 텍스트, हिन्दी.\n",
            "URLs https://example.com/a_b-c?d=e&f=g#h and emails a.b@c.de; numbers 1,234,567.89.\n",
            "ax\n####\nboo grabbed grabbed\nx\ny z\r\nw.\n[INST] <<SYS>> sys <</SYS>> [/INST] end");

    private final HuggingFaceTokenizer djl;
    private final String sha256;
    private final SpecialTokens specials;
    private final int vocabSize;
    private final String source;
    private final long[] separatorIds;
    private final boolean splitAtSpaces;
    private final boolean splitAtNewlines;
    private long wholeFallbacks;

    private HfTokenizer(HuggingFaceTokenizer djl, String sha256, SpecialTokens specials, int vocabSize, String source) {
        this.djl = djl;
        this.vocabSize = vocabSize;
        this.sha256 = sha256;
        this.specials = specials;
        this.source = source;
        this.separatorIds = encodeRaw(SEPARATOR);
        long[] whole = encodeRaw(SELF_CHECK_SAMPLE);
        this.splitAtSpaces = Arrays.equals(whole, encodePieces(SELF_CHECK_SAMPLE, 1, true, false, false));
        this.splitAtNewlines = Arrays.equals(whole, encodePieces(SELF_CHECK_SAMPLE, 1, false, true, false));
    }

    /** Loads {@code tokenizer.json} (or a directory holding it), plus a sibling {@code tokenizer_config.json} if any. */
    public static HfTokenizer load(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
        try {
            byte[] json = Files.readAllBytes(file);
            Path configPath = file.resolveSibling("tokenizer_config.json");
            byte[] config = Files.isRegularFile(configPath) ? Files.readAllBytes(configPath) : null;
            return fromBytes(json, config, file.toString());
        } catch (IOException e) {
            throw new BadInputException("tokenizer " + file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Loads a tokenizer from a stream of {@code tokenizer.json} bytes. */
    public static HfTokenizer fromStream(InputStream tokenizerJson, String source) {
        try {
            return fromBytes(tokenizerJson.readAllBytes(), null, source);
        } catch (IOException e) {
            throw new BadInputException("tokenizer " + source + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * @param tokenizerJson bytes of {@code tokenizer.json}
     * @param tokenizerConfigJson bytes of {@code tokenizer_config.json}, or null
     * @param source where it came from (for messages)
     */
    public static HfTokenizer fromBytes(byte[] tokenizerJson, byte[] tokenizerConfigJson, String source) {
        JsonNode parsed = JsonFiles.parse(tokenizerJson, "tokenizer " + source);
        JsonNode config = tokenizerConfigJson == null ? null
                : JsonFiles.parse(tokenizerConfigJson, "tokenizer_config.json beside " + source);
        if (!parsed.isObject() || !parsed.has("model")) {
            throw new BadInputException("tokenizer " + source + ": not a Hugging Face tokenizer.json (no \"model\")");
        }
        SpecialTokens specials = SpecialTokens.resolve(parsed, config, source);
        // Truncation and padding OFF: DJL otherwise truncates to 512 tokens.
        Map<String, String> options = Map.of(
                "addSpecialTokens", "false",
                "truncation", "false",
                "padding", "false");
        HuggingFaceTokenizer djl;
        try {
            djl = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson), options);
        } catch (IOException | RuntimeException e) {
            throw new BadInputException("tokenizer " + source + ": DJL cannot load it: " + e.getMessage(), e);
        }
        return new HfTokenizer(djl, sha256(tokenizerJson), specials, vocabSize(parsed), source);
    }

    /** Hex SHA-256 of {@code bytes} (used for the tokenizer file in manifests). */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Token ids of {@code text}: no BOS/EOS added, never truncated. */
    public int[] encode(String text) {
        long[] ids = text.length() <= PIECE_CHARS || !(splitAtSpaces || splitAtNewlines)
                ? encodeRaw(text)
                : encodePieces(text, PIECE_CHARS, splitAtSpaces, splitAtNewlines, true);
        return toInts(ids);
    }

    /**
     * Ids of {@code prompt + completion} encoded as one text (as LongLoRA does), and how many of
     * the leading ids are the prompt's: the longest common prefix with the prompt's own ids, so a
     * token that straddles the junction counts as completion. A long prompt is not encoded twice:
     * its head up to a piece boundary is shared, only the last ~{@value #PIECE_CHARS} characters
     * are encoded both with and without the completion.
     */
    public Pair encodePair(String prompt, String completion) {
        int cut = splitAtSpaces || splitAtNewlines
                ? PieceSplitter.lastBoundaryBefore(prompt, prompt.length() - PIECE_CHARS, splitAtSpaces, splitAtNewlines)
                : -1;
        if (cut > 0) {
            long[] head = encodePieces(prompt.substring(0, cut), PIECE_CHARS, splitAtSpaces, splitAtNewlines, true);
            String tail = prompt.substring(cut);
            long[] tailFull = encodePieces(tail + completion, PIECE_CHARS, splitAtSpaces, splitAtNewlines, false, true);
            long[] tailPrompt = encodePieces(tail, PIECE_CHARS, splitAtSpaces, splitAtNewlines, false, true);
            if (tailFull != null && tailPrompt != null) {
                long[] ids = Arrays.copyOf(head, head.length + tailFull.length);
                System.arraycopy(tailFull, 0, ids, head.length, tailFull.length);
                return new Pair(toInts(ids), head.length + commonPrefix(tailFull, tailPrompt));
            }
            wholeFallbacks++;
        }
        int[] ids = encode(prompt + completion);
        int[] p = encode(prompt);
        return new Pair(ids, commonPrefix(ids, p));
    }

    /** Ids of a prompt + completion text and the number of leading ids that belong to the prompt. */
    public record Pair(int[] ids, int promptTokens) {
    }

    private static int commonPrefix(long[] a, long[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    /** Token ids of {@code text} as one native call, without piece splitting (for benchmarks and checks). */
    public int[] encodeWhole(String text) {
        return toInts(encodeRaw(text));
    }

    /** BOS (if the tokenizer has one) followed by {@link #encode}. */
    public int[] encodeWithBos(String text) {
        int[] ids = encode(text);
        if (!specials.hasBos()) {
            return ids;
        }
        int[] out = new int[ids.length + 1];
        out[0] = specials.bosId();
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    /** Text of {@code ids}, special tokens included. */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /** Text of {@code ids}; with {@code skipSpecialTokens} BOS/EOS and other special tokens are left out. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            longs[i] = ids[i];
        }
        try {
            return djl.decode(longs, skipSpecialTokens);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * One past the largest id this tokenizer can produce: the model vocabulary's ids ({@code model.vocab}, a map
     * for BPE/WordPiece/WordLevel, a list for Unigram) and the added tokens'. A model must have at least this
     * {@code vocab_size} for every id to have an embedding row.
     */
    public int vocabSize() {
        return vocabSize;
    }

    private static int vocabSize(JsonNode tokenizerJson) {
        long limit = 0;
        JsonNode vocab = tokenizerJson.path("model").path("vocab");
        if (vocab.isArray()) {
            limit = vocab.size();
        } else if (vocab.isObject()) {
            for (JsonNode id : (Iterable<JsonNode>) vocab::elements) {
                limit = Math.max(limit, id.asLong() + 1);
            }
        }
        for (JsonNode added : tokenizerJson.path("added_tokens")) {
            limit = Math.max(limit, added.path("id").asLong() + 1);
        }
        return (int) Math.min(limit, Integer.MAX_VALUE);
    }

    public SpecialTokens specialTokens() {
        return specials;
    }

    /** BOS id, or -1 when the tokenizer has none. */
    public int bosId() {
        return specials.hasBos() ? specials.bosId() : -1;
    }

    public int eosId() {
        return specials.eosId();
    }

    /** Hex SHA-256 of the {@code tokenizer.json} bytes. */
    public String sha256() {
        return sha256;
    }

    public String source() {
        return source;
    }

    /** Which boundary kinds passed the self-check, for logs: e.g. "spaces+newlines" or "none". */
    public String pieceSplitting() {
        if (splitAtSpaces && splitAtNewlines) {
            return "spaces+newlines";
        }
        return splitAtSpaces ? "spaces" : splitAtNewlines ? "newlines" : "none";
    }

    /** How many texts were encoded whole because a piece did not start with the separator ids (expected 0). */
    public long wholeFallbacks() {
        return wholeFallbacks;
    }

    @Override
    public void close() {
        djl.close();
    }

    /**
     * Encodes {@code text} piece by piece. If a piece's ids do not start with the separator's ids,
     * the whole text is encoded in one call ({@code fallbackWhole}) or null is returned (self-check).
     */
    private long[] encodePieces(String text, int target, boolean atSpaces, boolean atNewlines, boolean fallbackWhole) {
        return encodePieces(text, target, atSpaces, atNewlines, fallbackWhole, false);
    }

    /**
     * @param continuation the text continues a longer text at an allowed boundary: its first piece
     *                     is encoded like any later piece (no prefix-space normalization)
     */
    private long[] encodePieces(String text, int target, boolean atSpaces, boolean atNewlines, boolean fallbackWhole,
                                boolean continuation) {
        long[] out = new long[Math.max(16, text.length() / 3)];
        int n = 0;
        int start = 0;
        while (start < text.length()) {
            int end = PieceSplitter.pieceEnd(text, start, target, atSpaces, atNewlines);
            long[] ids;
            int skip;
            if (start == 0 && !continuation) {
                ids = encodeRaw(text.substring(0, end));
                skip = 0;
            } else {
                ids = encodeRaw(SEPARATOR + text.substring(start, end));
                skip = separatorIds.length;
                if (!startsWith(ids, separatorIds)) {
                    if (!fallbackWhole) {
                        return null;
                    }
                    if (continuation) {
                        return null;
                    }
                    wholeFallbacks++;
                    return encodeRaw(text);
                }
            }
            int len = ids.length - skip;
            if (n + len > out.length) {
                out = Arrays.copyOf(out, Math.max(out.length * 2, n + len));
            }
            System.arraycopy(ids, skip, out, n, len);
            n += len;
            start = end;
        }
        return Arrays.copyOf(out, n);
    }

    private static boolean startsWith(long[] ids, long[] prefix) {
        if (ids.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (ids[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** One native encode returning only the ids (DJL's Encoding also builds token strings and spans). */
    private long[] encodeRaw(String text) {
        long encoding = TokenizersLibrary.LIB.encode(djl.getHandle(), text, false);
        try {
            return TokenizersLibrary.LIB.getTokenIds(encoding);
        } finally {
            TokenizersLibrary.LIB.deleteEncoding(encoding);
            // DJL frees the native tokenizer in a finalizer: keep it reachable during the call.
            Reference.reachabilityFence(djl);
        }
    }

    private static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public String toString() {
        return "HfTokenizer[" + source + ", sha256=" + sha256.substring(0, 12) + ", bos=" + specials.bosId()
                + ", eos=" + specials.eosId() + ", pieces=" + pieceSplitting() + "]";
    }

}
