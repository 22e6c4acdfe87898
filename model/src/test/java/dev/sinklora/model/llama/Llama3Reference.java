package dev.sinklora.model.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.model.config.RopeScaling;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The committed reference inverse frequencies of llama3 RoPE scaling ({@code rope/llama3-reference.json}, written by
 * {@code rope/make_llama3_reference.py} from the published formula with mpmath; see that script).
 */
public final class Llama3Reference {

    /**
     * One configuration.
     *
     * @param invFreq [D/2] reference inverse frequencies
     * @param branch  [D/2] which rule gave each: keep, smooth or divide
     */
    public record Case(String name, int headDim, double theta, JsonNode ropeScalingJson, RopeScaling.Llama3 llama3,
                       double[] invFreq, String[] branch) {
    }

    private Llama3Reference() {
    }

    public static List<Case> cases() {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Fixtures.resource("rope/llama3-reference.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Case> out = new ArrayList<>();
        for (JsonNode c : root.get("cases")) {
            JsonNode rs = c.get("rope_scaling");
            RopeScaling.Llama3 llama3 = RopeScaling.parse(rs).llama3();
            double[] inv = new double[c.get("inv_freq").size()];
            String[] branch = new String[inv.length];
            for (int i = 0; i < inv.length; i++) {
                inv[i] = c.get("inv_freq").get(i).asDouble();
                branch[i] = c.get("branch").get(i).asText();
            }
            out.add(new Case(c.get("name").asText(), c.get("head_dim").asInt(), c.get("rope_theta").asDouble(),
                    rs, llama3, inv, branch));
        }
        return out;
    }

    public static Case get(String name) {
        return cases().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no reference case " + name));
    }
}
