package dev.sinklora.cli;

import dev.sinklora.bench.BenchTrainCommand;
import dev.sinklora.cli.options.LoraOptions;
import dev.sinklora.cli.options.OptimizerOptions;
import dev.sinklora.cli.options.OverwriteOption;
import dev.sinklora.cli.options.ResumeOptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The commands that train take the run contract's shared option groups from the same picocli mixins, so their
 * names, defaults and help cannot drift apart again (bench-train once had its own --lora-r and no --lora-alpha).
 */
class SharedRunOptionsTest {

    private static CommandSpec spec(Object command) {
        return new CommandLine(command).getCommandSpec();
    }

    /** The option names a mixin group declares. */
    private static Set<String> names(Object group) {
        return CommandSpec.forAnnotatedObject(group).options().stream().map(OptionSpec::longestName)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** Every option of {@code group} is in each command, from that mixin, with the same default and help. */
    private static void assertShared(Object group, Object... commands) {
        Set<String> names = names(group);
        assertFalse(names.isEmpty());
        for (String name : names) {
            OptionSpec first = null;
            for (Object command : commands) {
                CommandSpec s = spec(command);
                OptionSpec o = s.findOption(name);
                assertNotNull(o, s.name() + " lacks " + name);
                assertTrue(fromMixin(s, group.getClass(), name),
                        s.name() + " declares " + name + " itself instead of through " + group.getClass().getSimpleName());
                if (first != null) {
                    assertEquals(first.defaultValue(), o.defaultValue(), name);
                    assertEquals(Arrays.asList(first.description()), Arrays.asList(o.description()), name);
                    assertEquals(first.paramLabel(), o.paramLabel(), name);
                }
                first = o;
            }
        }
    }

    /** Whether option {@code name} of {@code s} comes from a (possibly nested) mixin of class {@code group}. */
    private static boolean fromMixin(CommandSpec s, Class<?> group, String name) {
        for (CommandSpec m : s.mixins().values()) {
            if ((m.userObject().getClass() == group && m.findOption(name) != null) || fromMixin(m, group, name)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void trainAndBenchTrainShareTheLoraAndOptimizerGroups() {
        assertShared(new LoraOptions(), new TrainCommand(), new BenchTrainCommand());
        assertShared(new OptimizerOptions(), new TrainCommand(), new BenchTrainCommand());
        assertEquals(Set.of("--lora-alpha", "--lora-r", "--lora-targets", "--trainable"), names(new LoraOptions()));
        assertEquals(Set.of("--learning-rate", "--warmup-steps", "--weight-decay"), names(new OptimizerOptions()));
    }

    @Test
    void trainAndAblationShareResumeAndOverwriteDemoOverwrite() {
        assertShared(new ResumeOptions(), new TrainCommand(), new AblationCommand());
        assertShared(new OverwriteOption(), new TrainCommand(), new AblationCommand(), new DemoCommand());
        assertEquals(Set.of("--resume", "--overwrite"), names(new ResumeOptions()));
    }

    @Test
    void trainAdvertisesNothingItDoesNotDo() {
        List<String> options = spec(new TrainCommand()).options().stream().map(OptionSpec::longestName).toList();
        assertFalse(options.contains("--lora-dropout"), options.toString());
        String help = new CommandLine(new TrainCommand()).getUsageMessage();
        assertFalse(help.contains("dropout") || help.contains("not supported") || help.contains("only 0"), help);
        for (String name : List.of("--base", "--data", "--out", "--attention", "--lora-r", "--learning-rate",
                "--averaging-frequency", "--resume", "--overwrite", "--recompute")) {
            assertTrue(options.contains(name), name + " missing from " + options);
        }
    }
}
