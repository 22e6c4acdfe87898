package dev.sinklora.eval;

import dev.sinklora.model.eval.CachedGreedyDecoder;
import dev.sinklora.model.eval.DepthBuckets;
import dev.sinklora.model.eval.GreedyDecoder;
import dev.sinklora.model.eval.PasskeyPromptBuilder;
import dev.sinklora.model.eval.PasskeyTrial;
import dev.sinklora.model.tokenizer.HfTokenizer;
import dev.sinklora.spark.HadoopConf;
import dev.sinklora.testing.EvalFixtures;
import dev.sinklora.testing.ModelFixtures;
import dev.sinklora.testing.SparkTestSession;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Passkey's real decoder: full attention decodes through the KV cache and gives, trial for trial, the answers of the
 * old path (the model core's forward pass per token, adapter unmerged) on the tiny fixture with its adapter; other
 * evaluation patterns keep the old path.
 */
class ModelDecoderFactoryTest {

    @TempDir
    static Path tmp;

    @Test
    void fullAttentionDecodesThroughTheCacheWithTheOldPathsAnswers() throws Exception {
        SparkSession spark = SparkTestSession.get();
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        EvalModelSpec spec = EvalModelSpec.of(ModelFixtures.tinyBase().toString(),
                ModelFixtures.tinyAdapter().toString(), null, conf);
        List<PasskeyTrial> trials = new ArrayList<>();
        try (HfTokenizer tok = HfTokenizer.load(EvalFixtures.charTokenizer(tmp.resolve("tok")))) {
            PasskeyPromptBuilder builder = new PasskeyPromptBuilder(tok, new DepthBuckets(2), 3);
            for (int t = 0; t < 4; t++) {
                trials.add(builder.build(260, t));
            }
        }
        HadoopConf hc = new HadoopConf(conf);
        ModelDecoderFactory cached = new ModelDecoderFactory(spec, AttentionSpec.FULL, hc);
        assertInstanceOf(CachedGreedyDecoder.class, cached.open());
        DecoderFactory old = () -> {
            var m = EvalModels.get(spec, hc.get());
            return new GreedyDecoder(m.model(), m.projection(), AttentionSpec.FULL::at);
        };
        List<PasskeyJob.Generated> a = PasskeyJob.run(spark, trials, cached);
        List<PasskeyJob.Generated> b = PasskeyJob.run(spark, trials, old);
        assertEquals(trials.size(), a.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(trials.get(i).answerTokens(), a.get(i).ids().length);
            assertArrayEquals(b.get(i).ids(), a.get(i).ids(), "trial " + i);
        }
    }

    @Test
    void otherPatternsKeepTheForwardPassDecoder() throws Exception {
        Configuration conf = SparkTestSession.get().sparkContext().hadoopConfiguration();
        EvalModelSpec spec = EvalModelSpec.of(ModelFixtures.tinyBase().toString(), null, null, conf);
        assertInstanceOf(GreedyDecoder.class, new ModelDecoderFactory(spec, new AttentionSpec("sf", 16, null),
                new HadoopConf(conf)).open());
    }
}
