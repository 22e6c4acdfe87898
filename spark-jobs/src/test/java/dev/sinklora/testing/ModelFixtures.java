package dev.sinklora.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The tiny-llama fixture, read in place from the model module's test resources (one copy in the
 * repository). Surefire runs each module's tests with the module directory as working directory.
 */
public final class ModelFixtures {

    private ModelFixtures() {
    }

    public static Path tinyLlama() {
        Path p = Path.of("..", "model", "src", "test", "resources", "tiny-llama").toAbsolutePath().normalize();
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("fixture not found at " + p);
        }
        return p;
    }

    public static Path tinyBase() {
        return tinyLlama().resolve("base");
    }

    public static Path tinyAdapter() {
        return tinyLlama().resolve("adapter");
    }

    /** The 32 tokens of expected.json, comma separated. */
    public static String expectedTokensCsv() {
        return "1,242,161,176,229,149,199,213,59,17,78,75,224,233,4,129,210,36,204,33,121,209,79,89,73,185,67,253,115,123,130,150";
    }

    /** The 32 tokens of expected.json. */
    public static int[] expectedTokens() {
        return Arrays.stream(expectedTokensCsv().split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
