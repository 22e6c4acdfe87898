package dev.sinklora.eval;

import dev.sinklora.model.config.RopeScaling;
import dev.sinklora.testing.ModelFixtures;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The model an evaluation task runs: {@code --rope-factor} goes on top of a llama3 base's frequencies. */
class EvalModelsTest {

    @Test
    void ropeFactorOverrideKeepsLlama3Frequencies(@TempDir Path tmp) throws Exception {
        Path model = Files.createDirectories(tmp.resolve("llama3"));
        for (String f : new String[]{"config.json", "model.safetensors"}) {
            Files.copy(ModelFixtures.tinyBase().resolve(f), model.resolve(f));
        }
        Path cfg = model.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"rope_scaling\": null", "\"rope_scaling\": {"
                + "\"rope_type\": \"llama3\", \"factor\": 4.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, "
                + "\"original_max_position_embeddings\": 64}"));
        RopeScaling.Llama3 llama3 = new RopeScaling.Llama3(4, 1, 4, 64);
        Configuration conf = new Configuration();

        EvalModelSpec own = EvalModelSpec.of(model.toString(), null, null, conf);
        assertEquals(new RopeScaling(1.0, llama3), EvalModels.get(own, conf).model().config().ropeScaling());

        EvalModelSpec pi = EvalModelSpec.of(model.toString(), null, 4.0, conf);
        assertEquals(new RopeScaling(4.0, llama3), EvalModels.get(pi, conf).model().config().ropeScaling());
        EvalModelSpec.Info info = pi.describe(conf);
        assertEquals(4.0, info.ropeFactor());
        assertEquals("--rope-factor", info.ropeSource());
        assertEquals("llama3", info.config().ropeFrequencies());
    }
}
