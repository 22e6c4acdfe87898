package dev.sinklora.model.lora;

import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.llama.Fixtures;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.Projection;
import dev.sinklora.model.score.SequenceScorer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/** Shared helpers of the LoRA tests: fixture copies, adapter edits, scoring. */
final class LoraTestSupport {

    private LoraTestSupport() {
    }

    /** Copies a directory tree (files only one level deep are enough for model directories). */
    static Path copyDir(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.toList()) {
                Files.copy(p, to.resolve(p.getFileName().toString()));
            }
        }
        return to;
    }

    static Path baseCopy(Path tmp) throws IOException {
        return copyDir(Fixtures.tinyBase(), tmp.resolve("base"));
    }

    static LoraAdapter fixtureAdapter() {
        try {
            return PeftAdapterIO.read(Fixtures.tinyAdapter());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A copy of {@code a} whose modules' A or B are transformed. */
    static LoraAdapter mapModules(LoraAdapter a, UnaryOperator<LoraModule> f) {
        java.util.Map<String, LoraModule> m = new java.util.LinkedHashMap<>();
        a.modules().forEach((k, v) -> {
            LoraModule n = f.apply(v);
            m.put(n.module(), n);
        });
        return new LoraAdapter(a.config(), m, a.extras(), a.trainingInfo(), a.baseModelNameOrPath());
    }

    static double score(LlamaModel model, AttentionPattern pattern, Projection projection) {
        return SequenceScorer.score(model, Fixtures.expectedTokens(), pattern, projection).meanNll();
    }

    /** Relative paths of all files under {@code dir}, sorted. */
    static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            List<String> out = new ArrayList<>();
            s.filter(Files::isRegularFile).forEach(p -> out.add(dir.relativize(p).toString()));
            out.sort(null);
            return out;
        }
    }

    static float[] floats(INDArray a) {
        return a.dup('c').data().asFloat();
    }

    static String shape(INDArray a) {
        return Arrays.toString(a.shape());
    }
}
