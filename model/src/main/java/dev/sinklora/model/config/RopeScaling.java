package dev.sinklora.model.config;

import dev.sinklora.model.BadInputException;

/**
 * HF {@code rope_scaling}. Only linear position interpolation is supported: positions are divided
 * by {@code factor} before the rotary angles are computed (LongLoRA / SinkLoRA's PI).
 *
 * @param factor target context / original context, {@code >= 1} in practice, {@code > 0} required
 */
public record RopeScaling(double factor) {

    public RopeScaling {
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new BadInputException("rope_scaling.factor must be a positive number, got " + factor);
        }
    }

    /** The HF {@code type} string this project writes into config.json. */
    public String type() {
        return "linear";
    }
}
