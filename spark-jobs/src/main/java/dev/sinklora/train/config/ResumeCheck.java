package dev.sinklora.train.config;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.lora.TrainableExtra;
import dev.sinklora.train.RecomputeMode;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A resumed run must be the run its checkpoint belongs to: the saved and the requested (both resolved)
 * {@link TrainConfig}s are compared group by group, record component by component. Every field must match except
 * those in {@link #MAY_DIFFER}: the run's length (to extend it), its checkpoint cadence, where it is read from and
 * the recomputation mode (it changes memory, not gradients).
 */
public final class ResumeCheck {

    /** {@code group.component} names a resume may change. */
    public static final Set<String> MAY_DIFFER = Set.of("model.recompute", "run.out", "run.maxSteps", "run.epochs",
            "run.saveEvery", "run.resume", "run.overwrite");

    /** Fields whose option is not {@code --} + the component's name in kebab case. */
    private static final Map<String, String> OPTION = Map.of("lora.r", "--lora-r", "lora.alpha", "--lora-alpha",
            "lora.targets", "--lora-targets", "lora.dropout", "LoRA dropout", "data.uri", "--data",
            "data.fingerprint", "--data's manifest fingerprint");

    private ResumeCheck() {
    }

    /**
     * Refuses a resume whose config differs from the checkpoint's, naming every differing field in one line.
     *
     * @param checkpoint the checkpoint's name, for the message
     */
    public static void requireSameRun(TrainConfig saved, TrainConfig requested, String checkpoint) {
        List<String> d = differences(saved, requested);
        if (!d.isEmpty()) {
            throw new BadInputException("--resume: checkpoint " + checkpoint + " belongs to another run: "
                    + String.join(", ", d) + "; only --max-steps, --epochs, --save-every and --recompute may change");
        }
    }

    /** Each differing field as {@code --option NOW (checkpoint: SAVED)}, in group order. */
    public static List<String> differences(TrainConfig saved, TrainConfig requested) {
        List<String> out = new ArrayList<>();
        for (RecordComponent group : TrainConfig.class.getRecordComponents()) {
            Record a = (Record) get(group, saved);
            Record b = (Record) get(group, requested);
            for (RecordComponent c : a.getClass().getRecordComponents()) {
                String key = group.getName() + "." + c.getName();
                Object was = get(c, a);
                Object now = get(c, b);
                if (!MAY_DIFFER.contains(key) && !Objects.equals(was, now)) {
                    out.add(option(key) + " " + show(now) + " (checkpoint: " + show(was) + ")");
                }
            }
        }
        return out;
    }

    /** The option a field comes from: {@code run.averagingFrequency} is {@code --averaging-frequency}. */
    static String option(String key) {
        String known = OPTION.get(key);
        if (known != null) {
            return known;
        }
        String name = key.substring(key.indexOf('.') + 1);
        return "--" + name.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
    }

    private static String show(Object v) {
        if (v == null) {
            return "(default)";
        }
        if (v instanceof Collection<?> c) {
            return c.isEmpty() ? "none" : c.stream().map(ResumeCheck::show).collect(Collectors.joining(","));
        }
        if (v instanceof AttentionMode m) {
            return m.cliName();
        }
        if (v instanceof RecomputeMode m) {
            return m.cliName();
        }
        if (v instanceof TrainableExtra e) {
            return e.cliName();
        }
        return String.valueOf(v);
    }

    private static Object get(RecordComponent c, Object record) {
        try {
            return c.getAccessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + c.getName() + " of " + record.getClass(), e);
        }
    }
}
