package dev.sinklora.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What the jar was built with, recorded by Maven at package time ({@code build.properties}, filtered): the ND4J
 * backend, {@code nd4j-native} (CPU) or {@code nd4j-cuda-*} ({@code mvn -Pcuda package}). {@code main} prints
 * {@code nd4j.backend=...} for the submit scripts, which pick the CPU or GPU Spark properties from it; it needs
 * nothing but the jar (no Spark on the classpath).
 */
public final class BuildInfo {

    private static final String RESOURCE = "build.properties";

    private BuildInfo() {
    }

    /** The ND4J backend artifact this jar bundles, e.g. {@code nd4j-native}. */
    public static String nd4jBackend() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing beside " + BuildInfo.class.getName()
                        + ": the jar was not built by Maven");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("nd4j.backend");
    }

    /** True when the jar bundles ND4J's CUDA backend. */
    public static boolean isCuda() {
        return nd4jBackend().startsWith("nd4j-cuda");
    }

    public static void main(String[] args) {
        System.out.println("nd4j.backend=" + nd4jBackend());
    }
}
