package dev.sinklora.eval;

import dev.sinklora.model.BadInputException;
import dev.sinklora.testing.EvalFixtures;
import dev.sinklora.testing.SparkTestSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The eval token stream: shard order, row order, padding dropped, and its bad-input errors. */
class EvalTokenStreamTest {

    @TempDir
    static Path tmp;
    static Path data;
    static int[] expected;

    @BeforeAll
    static void corpus() throws Exception {
        data = tmp.resolve("corpus");
        expected = EvalFixtures.writeEvalCorpus(SparkTestSession.get(), data);
    }

    @Test
    void streamIsTheRealTokensInShardThenRowOrder() throws Exception {
        TokenStream s = TokenStream.read(SparkTestSession.get(), data.toString(), "validation", 256);
        assertEquals(130, expected.length);
        assertArrayEquals(expected, s.tokens());
        assertEquals(6, s.rows());
        assertEquals(2, s.files());
        assertEquals(24, TokenStream.read(SparkTestSession.get(), data.toString(), "train", 256).tokens().length);
    }

    @Test
    void badInputNamesWhatIsWrong() throws Exception {
        var missing = assertThrows(BadInputException.class,
                () -> TokenStream.read(SparkTestSession.get(), data.toString(), "test", 256));
        assertTrue(missing.getMessage().startsWith("--split test: "), missing.getMessage());
        assertTrue(missing.getMessage().endsWith("does not exist (splits in --data: train, validation)"),
                missing.getMessage());

        var vocab = assertThrows(BadInputException.class,
                () -> TokenStream.read(SparkTestSession.get(), data.toString(), "validation", 100));
        assertTrue(vocab.getMessage().matches(".*/validation/[^ ]+\\.parquet: row \\d+: token id \\d+ at position \\d+ is "
                + "outside the vocabulary \\[0, 100\\) of --model .*"), vocab.getMessage());

        Path noManifest = tmp.resolve("unfinished");
        Files.createDirectories(noManifest.resolve("validation"));
        var unfinished = assertThrows(BadInputException.class,
                () -> TokenStream.read(SparkTestSession.get(), noManifest.toString(), "validation", 256));
        assertTrue(unfinished.getMessage().contains("no manifest.json"), unfinished.getMessage());

        Path sft = tmp.resolve("sft");
        Files.createDirectories(sft);
        Files.writeString(sft.resolve("manifest.json"), "{\"format\":\"sinklora-prep-sft\",\"max_len\":64}");
        var wrongKind = assertThrows(BadInputException.class,
                () -> TokenStream.read(SparkTestSession.get(), sft.toString(), "validation", 256));
        assertTrue(wrongKind.getMessage().contains("is prep-sft output"), wrongKind.getMessage());

        Path empty = tmp.resolve("empty");
        EvalFixtures.writeManifest(empty, 24);
        Files.createDirectories(empty.resolve("validation"));
        var noShards = assertThrows(BadInputException.class,
                () -> TokenStream.read(SparkTestSession.get(), empty.toString(), "validation", 256));
        assertTrue(noShards.getMessage().contains("has no Parquet shards (splits in --data: validation)"),
                noShards.getMessage());
    }
}
