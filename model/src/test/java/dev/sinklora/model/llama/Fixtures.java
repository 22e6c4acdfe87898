package dev.sinklora.model.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.attention.AttentionPattern;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** The tiny-llama fixture (copied from shared/fixtures/tiny-llama into test resources). */
public final class Fixtures {

    private Fixtures() {
    }

    public static Path resource(String name) {
        try {
            var url = Fixtures.class.getResource("/" + name);
            if (url == null) {
                throw new IllegalStateException("test resource missing: " + name);
            }
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path tinyBase() {
        return resource("tiny-llama/base");
    }

    public static Path tinyAdapter() {
        return resource("tiny-llama/adapter");
    }

    public static JsonNode expected() {
        try {
            return new ObjectMapper().readTree(resource("tiny-llama/expected.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int[] expectedTokens() {
        JsonNode t = expected().get("tokens");
        int[] ids = new int[t.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = t.get(i).asInt();
        }
        return ids;
    }

    /** {@code n} token ids: the fixture text, then variations of it (each repeat scaled by its index, mod 256). */
    public static int[] varyingText(int n) {
        int[] t = expectedTokens();
        int[] text = new int[n];
        for (int i = 0; i < n; i++) {
            text[i] = t[i % t.length] * (1 + i / t.length) % 256;
        }
        return text;
    }

    /** The pattern an expected.json case describes. */
    public static AttentionPattern pattern(JsonNode attention) {
        String kind = attention.get("pattern").asText();
        if (kind.equals("full")) {
            return AttentionPattern.FULL;
        }
        int group = attention.get("group").asInt();
        int sinks = attention.get("sinks").asInt();
        boolean reassemble = attention.get("reassemble").asBoolean();
        AttentionMode mode = !reassemble ? AttentionMode.S2
                : sinks > 0 ? AttentionMode.SF : AttentionMode.S2_REASSEMBLED;
        return new AttentionPattern(mode, group, sinks);
    }
}
