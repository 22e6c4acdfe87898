package dev.sinklora.ablation;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.demo.JsonlTexts;
import dev.sinklora.demo.PipelineSteps;
import dev.sinklora.demo.TinyBasePretrainer;
import dev.sinklora.demo.WordLevelTokenizer;
import dev.sinklora.eval.TokenStream;
import dev.sinklora.model.eval.DepthBuckets;
import dev.sinklora.model.eval.PasskeyPromptBuilder;
import dev.sinklora.model.eval.PasskeyTrial;
import dev.sinklora.model.tokenizer.HfTokenizer;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * What every arm of the ablation shares, built once under {@code OUT/setup}: the tokenizer, the short-range corpus
 * the base is pretrained on and the long-range corpus ({@link AblationTask}), both through prep-corpus, the base
 * (pretrained at the short context with full attention), the held-out long documents as one token stream, and the
 * passkey trials at the long context. {@code setup.json} is written last; with resume a finished setup is reused.
 *
 * @param tokenizer       tokenizer.json
 * @param base            the base checkpoint directory
 * @param dataLong        prep-corpus output at the long context (train: fine-tuning, validation: perplexity)
 * @param validation      the long validation split as a token stream
 * @param trials          passkey trials at the long context
 * @param buckets         their depth buckets
 * @param vocabSize       the base's vocabulary
 * @param info            what setup.json records
 */
public record AblationSetup(Path tokenizer, Path base, Path dataLong, TokenStream validation, List<PasskeyTrial> trials,
                            DepthBuckets buckets, int vocabSize, Info info) {

    private static final Logger LOG = LoggerFactory.getLogger(AblationSetup.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String DONE = "setup.json";
    /** Passkey depth buckets (as the passkey command's default). */
    static final int DEPTH_BUCKETS = 5;
    /** Base pretraining: batch and learning rate (as the demo's). */
    static final int BASE_BATCH = 8;
    static final double BASE_LEARNING_RATE = 3e-3;

    /** The setup's record: sizes and the base's pretraining losses. */
    public record Info(int baseContext, int longContext, int factor, int documents, int baseDocuments, int baseSteps,
                       int passkeyTrials, long seed, double basePretrainLossFirst, double basePretrainLossLast,
                       double seconds) {
    }

    public static AblationSetup build(SparkSession spark, AblationOptions o, boolean reuse) throws IOException {
        long t0 = System.nanoTime();
        Path dir = o.out().resolve("setup");
        Path tokenizer = dir.resolve("tokenizer/tokenizer.json");
        Path base = dir.resolve("base");
        Path dataShort = dir.resolve("data-" + o.baseContext());
        Path dataLong = dir.resolve("data-" + o.longContext());
        List<String> words = AblationTask.words();
        int vocab = PipelineSteps.paddedVocab(WordLevelTokenizer.vocabSize(words));
        Info info;
        if (reuse && Files.exists(dir.resolve(DONE))) {
            info = JSON.readValue(dir.resolve(DONE).toFile(), Info.class);
            check(info, o, dir);
            LOG.info("ablation: reusing the setup in {}", dir);
        } else {
            WordLevelTokenizer.write(tokenizer, words, true);
            Path shortCorpus = dir.resolve("corpus/short-range.jsonl");
            Path longCorpus = dir.resolve("corpus/long-range.jsonl");
            JsonlTexts.write(shortCorpus, AblationTask.documents(AblationTask.Shape.shortRange(o.baseContext()),
                    o.baseDocuments(), o.seed()));
            JsonlTexts.write(longCorpus, AblationTask.documents(AblationTask.Shape.longRange(o.longContext()),
                    o.documents(), o.seed() + 1));
            PipelineSteps.prep(spark, shortCorpus, tokenizer, o.baseContext(), dataShort, o.seed());
            PipelineSteps.prep(spark, longCorpus, tokenizer, o.longContext(), dataLong, o.seed());

            List<int[]> rows = PipelineSteps.rows(spark, dataShort.resolve("train"));
            LOG.info("ablation: pretraining the base at context {} on {} short-range rows for {} steps",
                    o.baseContext(), rows.size(), o.baseSteps());
            TinyBasePretrainer.Result pre = TinyBasePretrainer.train(TinyBasePretrainer.config(vocab, o.baseContext()),
                    rows, o.baseContext(), BASE_BATCH, o.baseSteps(), BASE_LEARNING_RATE, o.seed());
            TinyBasePretrainer.save(pre.model(), base);
            Files.copy(tokenizer, base.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
            info = new Info(o.baseContext(), o.longContext(), o.factor(), o.documents(), o.baseDocuments(),
                    o.baseSteps(), o.passkeyTrials(), o.seed(), pre.firstLoss(), pre.lastLoss(),
                    (System.nanoTime() - t0) / 1e9);
            JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(DONE).toFile(), info);
        }
        TokenStream validation = TokenStream.read(spark, dataLong.toString(), "validation", vocab);
        DepthBuckets buckets = new DepthBuckets(DEPTH_BUCKETS);
        List<PasskeyTrial> trials = new ArrayList<>();
        try (HfTokenizer tok = HfTokenizer.load(tokenizer)) {
            PasskeyPromptBuilder builder = new PasskeyPromptBuilder(tok, buckets, o.seed());
            for (int t = 0; t < o.passkeyTrials(); t++) {
                trials.add(builder.build(o.longContext(), t));
            }
        }
        return new AblationSetup(tokenizer, base, dataLong, validation, trials, buckets, vocab, info);
    }

    /** A reused setup must be the one these options would build. */
    private static void check(Info info, AblationOptions o, Path dir) {
        if (info.baseContext() != o.baseContext() || info.factor() != o.factor() || info.documents() != o.documents()
                || info.baseDocuments() != o.baseDocuments() || info.baseSteps() != o.baseSteps()
                || info.passkeyTrials() != o.passkeyTrials() || info.seed() != o.seed()) {
            throw new dev.sinklora.model.BadInputException("--resume: " + dir.resolve(DONE) + " was built with other "
                    + "options (" + info + "); use another --out or the same --base-context, --factor, --documents, "
                    + "--base-documents, --base-steps, --passkey-trials and --seed");
        }
    }
}
