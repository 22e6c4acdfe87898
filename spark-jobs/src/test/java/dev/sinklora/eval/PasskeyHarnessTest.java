package dev.sinklora.eval;

import dev.sinklora.model.eval.Decoder;
import dev.sinklora.model.eval.DepthBuckets;
import dev.sinklora.model.eval.PasskeyPromptBuilder;
import dev.sinklora.model.eval.PasskeyTrial;
import dev.sinklora.model.tokenizer.HfTokenizer;
import dev.sinklora.testing.SparkTestSession;
import dev.sinklora.testing.TestTokenizers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The passkey harness on Spark with test decoders instead of a model (testing the harness, not the model): one that
 * copies the key from the prompt scores 1.0, one that sees only the end of the prompt scores by depth, one that
 * answers random digits scores 0.
 */
class PasskeyHarnessTest {

    static HfTokenizer tok;
    static final DepthBuckets FIVE = new DepthBuckets(5);
    static final List<Integer> LENGTHS = List.of(256, 512, 1024);

    @BeforeAll
    static void load() {
        tok = HfTokenizer.load(TestTokenizers.llama2());
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    /** A tokenizer per executor thread for the decoders (HfTokenizer is not shared between threads). */
    private static final ThreadLocal<HfTokenizer> TASK_TOKENIZER =
            ThreadLocal.withInitial(() -> HfTokenizer.load(TestTokenizers.llama2()));

    /** Reads the key out of the last {@code visible} prompt tokens (all when 0) and answers it, as the model should. */
    record Copying(int visible) implements DecoderFactory {
        private static final Pattern KEY = Pattern.compile("The pass key is (\\d+)");

        @Override
        public Decoder open() {
            return (prompt, n) -> {
                HfTokenizer t = TASK_TOKENIZER.get();
                int from = visible == 0 ? 0 : Math.max(0, prompt.length - visible);
                Matcher m = KEY.matcher(t.decode(Arrays.copyOfRange(prompt, from, prompt.length)));
                return Arrays.copyOf(t.encode(m.find() ? m.group(1) : "00000"), n);
            };
        }
    }

    /** Answers five random digits. */
    record RandomDigits(long seed) implements DecoderFactory {
        @Override
        public Decoder open() {
            return (prompt, n) -> {
                Random rnd = new Random(seed * 31 + prompt.length);
                return Arrays.copyOf(TASK_TOKENIZER.get().encode(Integer.toString(10_000 + rnd.nextInt(90_000))), n);
            };
        }
    }

    static List<PasskeyTrial> trials(int perLength) {
        PasskeyPromptBuilder b = new PasskeyPromptBuilder(tok, FIVE, 3);
        List<PasskeyTrial> out = new ArrayList<>();
        for (int len : LENGTHS) {
            for (int t = 0; t < perLength; t++) {
                out.add(b.build(len, t));
            }
        }
        return out;
    }

    static PasskeyReport run(List<PasskeyTrial> trials, DecoderFactory decoders) {
        return PasskeyReport.grade(trials, PasskeyJob.run(SparkTestSession.get(), trials, decoders), tok::decode, FIVE);
    }

    @Test
    void aDecoderThatCopiesTheKeyScoresOne() {
        PasskeyReport r = run(trials(10), new Copying(0));
        for (int len : LENGTHS) {
            assertEquals(new PasskeyReport.Cell(10, 10), r.byLength(len));
            for (int b = 0; b < 5; b++) {
                assertEquals(new PasskeyReport.Cell(2, 2), r.cell(len, b), len + " bucket " + b);
            }
        }
        assertEquals(1.0, r.toJson().get("accuracy_overall").asDouble());
        assertEquals(1.0, r.toJson().get("accuracy").get("512").asDouble());
    }

    @Test
    void aDecoderThatAnswersRandomDigitsScoresZero() {
        PasskeyReport r = run(trials(10), new RandomDigits(5));
        assertEquals(0, r.overall().correct(), "random 5-digit answers never match");
        assertEquals(30, r.overall().trials());
    }

    @Test
    void aDecoderThatSeesOnlyTheEndScoresByDepthAndTheHeatMapShowsIt() throws Exception {
        // sees the last 260 tokens: at 1024 (~950 filler tokens) every key of the deepest bucket (80-100%: at most
        // ~190 filler tokens + the key line + the question from the end) and none of buckets 0-2 is in view
        PasskeyReport r = run(trials(10), new Copying(260));
        assertEquals(new PasskeyReport.Cell(2, 0), r.cell(1024, 0));
        assertEquals(new PasskeyReport.Cell(2, 0), r.cell(1024, 1));
        assertEquals(new PasskeyReport.Cell(2, 0), r.cell(1024, 2));
        assertEquals(new PasskeyReport.Cell(2, 2), r.cell(1024, 4));
        assertEquals(1.0, r.byLength(256).accuracy(), "all of a 256-token prompt's key lines are in view");
        var json = r.toJson().get("results").get(2);
        assertEquals(1024, json.get("length").asInt());
        assertEquals(0.0, json.get("by_depth").get(0).get("accuracy").asDouble());
        assertEquals("80-100%", json.get("by_depth").get(4).get("depth").asText());
        assertEquals(1.0, json.get("by_depth").get(4).get("accuracy").asDouble());

        BufferedImage img = ImageIO.read(new ByteArrayInputStream(PasskeyHeatMap.png(r, "test")));
        // column 2 (1024): top row (0-20%) red, bottom row (80-100%) green; column 0 (256) green throughout
        assertEquals(PasskeyHeatMap.color(0.0), pixel(img, 2, 0));
        assertEquals(PasskeyHeatMap.color(1.0), pixel(img, 2, 4));
        assertEquals(PasskeyHeatMap.color(1.0), pixel(img, 0, 0));
        assertTrue(!PasskeyHeatMap.color(0.0).equals(PasskeyHeatMap.color(1.0)));
    }

    /** The colour near the top-left corner of cell (column, row), clear of its label and border. */
    static Color pixel(BufferedImage img, int column, int row) {
        return new Color(img.getRGB(PasskeyHeatMap.LEFT + column * PasskeyHeatMap.CELL_W + 4,
                PasskeyHeatMap.TOP + row * PasskeyHeatMap.CELL_H + 4));
    }
}
