package dev.sinklora.cli;

import dev.sinklora.model.BadInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The local working directory of a command that generates everything it uses (demo, ablation). */
final class LocalOutputDir {

    private LocalOutputDir() {
    }

    /**
     * Readies {@code out}: an existing one is deleted with {@code overwrite}, kept with {@code keep}, and refused
     * otherwise (naming {@code --overwrite}, and {@code keepOption} when there is one).
     */
    static void prepare(Path out, boolean overwrite, boolean keep, String keepOption) throws IOException {
        if (!Files.exists(out) || keep) {
            return;
        }
        if (!overwrite) {
            throw new BadInputException(out + " already exists; use --overwrite" + (keepOption == null ? ""
                    : " to replace it, " + keepOption + " to continue it,") + " or another --out");
        }
        try (Stream<Path> walk = Files.walk(out)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
