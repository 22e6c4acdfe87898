package dev.sinklora.model.lora;

import dev.sinklora.model.BadInputException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a LoRA adapter adapts and how: rank {@code r}, {@code alpha} (so {@code scaling = alpha / r}), the dropout
 * applied to a projection's input on the LoRA path during training, the projections it targets (a subset of the
 * seven LLaMA linear layers, kept in canonical order), and the base tensors trained in full. Validated at
 * construction.
 */
public record LoraConfig(int r, double alpha, double dropout, List<String> targets, Set<TrainableExtra> trainable) {

    /** Every projection LoRA may target, in the order they are kept and written. */
    public static final List<String> ALL_TARGETS =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    public LoraConfig {
        if (r <= 0) {
            throw new BadInputException("LoRA rank r must be > 0, got " + r);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new BadInputException("LoRA alpha must be > 0, got " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new BadInputException("LoRA dropout must be in [0, 1), got " + dropout);
        }
        if (targets == null || targets.isEmpty()) {
            throw new BadInputException("LoRA needs at least one target module (any of " + ALL_TARGETS + ")");
        }
        Set<String> seen = new LinkedHashSet<>();
        for (String t : targets) {
            if (!ALL_TARGETS.contains(t)) {
                throw new BadInputException("LoRA target '" + t + "' is not a LLaMA projection (expected any of "
                        + ALL_TARGETS + ")");
            }
            if (!seen.add(t)) {
                throw new BadInputException("LoRA target '" + t + "' is listed twice");
            }
        }
        List<String> canonical = new ArrayList<>(ALL_TARGETS);
        canonical.retainAll(seen);
        targets = List.copyOf(canonical);
        trainable = trainable == null || trainable.isEmpty()
                ? Collections.unmodifiableSet(EnumSet.noneOf(TrainableExtra.class))
                : Collections.unmodifiableSet(EnumSet.copyOf(trainable));
    }

    /** The factor of the LoRA path: {@code alpha / r}. */
    public double scaling() {
        return alpha / r;
    }

    /** Whether projection {@code proj} (e.g. {@code q_proj}) is a target. */
    public boolean targets(String proj) {
        return targets.contains(proj);
    }

    /**
     * Parses comma-separated targets, e.g. {@code q_proj,k_proj,v_proj,o_proj}; {@code all} means all seven.
     */
    public static List<String> parseTargets(String csv) {
        if (csv.strip().equals("all")) {
            return ALL_TARGETS;
        }
        List<String> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            if (!s.isBlank()) {
                out.add(s.strip());
            }
        }
        return out;
    }

    /** Parses comma-separated trainable extras, e.g. {@code embed,norm}; empty or {@code none} for none. */
    public static Set<TrainableExtra> parseTrainable(String csv) {
        Set<TrainableExtra> out = EnumSet.noneOf(TrainableExtra.class);
        if (csv == null || csv.isBlank() || csv.strip().equals("none")) {
            return out;
        }
        for (String s : csv.split(",")) {
            if (!s.isBlank()) {
                out.add(TrainableExtra.parse(s.strip()));
            }
        }
        return out;
    }
}
