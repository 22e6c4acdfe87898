package dev.sinklora.merge;

import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.Projection;
import dev.sinklora.model.lora.AdaptedModel;
import dev.sinklora.model.lora.PeftAdapterIO;
import dev.sinklora.model.score.SequenceScorer;
import dev.sinklora.testing.ModelFixtures;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The tiny-llama fixture ({@link ModelFixtures}) and scoring helpers for the merge tests. */
final class TinyLlama {

    static final int[] TOKENS = {1, 17, 42, 99, 5, 200, 31, 7, 64, 128, 3, 250, 11, 77, 150, 9};

    private TinyLlama() {
    }

    static Path base() {
        return ModelFixtures.tinyBase();
    }

    static Path adapter() {
        return ModelFixtures.tinyAdapter();
    }

    static Path copyDir(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.toList()) {
                Files.copy(p, to.resolve(p.getFileName().toString()));
            }
        }
        return to;
    }

    static double score(LlamaModel m) {
        return SequenceScorer.score(m, TOKENS, AttentionPattern.FULL, Projection.PLAIN).meanNll();
    }

    /** The fixture base with the adapter at {@code adapterDir} applied unmerged. */
    static double scoreUnmerged(Path adapterDir) throws IOException {
        AdaptedModel a = AdaptedModel.unmerged(LlamaModel.load(base()), PeftAdapterIO.read(adapterDir), "adapter");
        return SequenceScorer.score(a.model(), TOKENS, AttentionPattern.FULL, a.projection()).meanNll();
    }
}
