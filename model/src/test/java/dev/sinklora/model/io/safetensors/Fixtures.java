package dev.sinklora.model.io.safetensors;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** Locations of the tiny-llama test fixtures on the test classpath. */
final class Fixtures {
    private Fixtures() {
    }

    static Path baseDir() {
        return resource("/tiny-llama/base");
    }

    static Path baseModel() {
        return baseDir().resolve("model.safetensors");
    }

    static Path adapterDir() {
        return resource("/tiny-llama/adapter");
    }

    static Path adapterModel() {
        return adapterDir().resolve("adapter_model.safetensors");
    }

    private static Path resource(String name) {
        try {
            return Path.of(Fixtures.class.getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
