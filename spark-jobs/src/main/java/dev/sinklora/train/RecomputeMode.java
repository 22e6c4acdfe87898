package dev.sinklora.train;

import dev.sinklora.model.BadInputException;

import java.util.Arrays;
import java.util.stream.Collectors;

/** How training runs the model (option {@code --recompute}). */
public enum RecomputeMode {
    /** Keep each decoder layer's input; recompute one layer at a time in the backward pass. */
    LAYER("layer"),
    /** One SameDiff graph of the whole model, every activation kept (the oracle). */
    NONE("none");

    private final String cliName;

    RecomputeMode(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    public static RecomputeMode parse(String s) {
        for (RecomputeMode m : values()) {
            if (m.cliName.equals(s)) {
                return m;
            }
        }
        throw new BadInputException("--recompute: unknown mode '" + s + "' (expected one of "
                + Arrays.stream(values()).map(RecomputeMode::cliName).collect(Collectors.joining(", ")) + ")");
    }
}
