package dev.sinklora.cli.options;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.lora.TrainableExtra;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Set;

/** Picocli options of a trained {@link LoraConfig} (no dropout: training applies none). */
public final class LoraOptions {

    @Option(names = "--lora-r", defaultValue = "8", paramLabel = "R", description = "LoRA rank (default: ${DEFAULT-VALUE})")
    int r;

    @Option(names = "--lora-alpha", defaultValue = "16", paramLabel = "A",
            description = "LoRA alpha; scaling = alpha / r (default: ${DEFAULT-VALUE})")
    double alpha;

    @Option(names = "--lora-targets", defaultValue = "q_proj,k_proj,v_proj,o_proj", paramLabel = "LIST",
            description = "adapted projections, or all (default: ${DEFAULT-VALUE})")
    String targets;

    @Option(names = "--trainable", defaultValue = "", paramLabel = "LIST",
            description = "base tensors trained in full (LoRA+): embed, norm, or embed,norm (default: none)")
    String trainable;

    /** The validated config; errors name the option. */
    public LoraConfig toConfig() {
        if (r <= 0) {
            throw new BadInputException("--lora-r must be > 0, got " + r);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new BadInputException("--lora-alpha must be > 0, got " + alpha);
        }
        List<String> t = LoraConfig.parseTargets(targets);
        Set<TrainableExtra> extras = named("--trainable", () -> LoraConfig.parseTrainable(trainable));
        return named("--lora-targets", () -> new LoraConfig(r, alpha, 0.0, t, extras));
    }

    private static <T> T named(String option, java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (BadInputException e) {
            throw new BadInputException(option + ": " + e.getMessage(), e);
        }
    }
}
