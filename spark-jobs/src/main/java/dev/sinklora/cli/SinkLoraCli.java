package dev.sinklora.cli;

import dev.sinklora.model.BadInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * The one entry point: {@code sinklora <command> [options]}. Every sub-command lives in its own
 * class in this package and is registered here.
 */
@Command(name = "sinklora",
        mixinStandardHelpOptions = true,
        version = "sinklora-spark 0.1.0",
        description = "SinkLoRA context extension for LLaMA-family models (SF-Attn + LoRA) on Spark.",
        subcommands = {
                CommandLine.HelpCommand.class,
                ScoreCommand.class,
                BenchAttentionCommand.class,
                BenchTrainCommand.class,
                MergeCommand.class,
                TrainCommand.class,
                PrepCorpusCommand.class,
                PrepSftCommand.class,
                BenchPrepCommand.class,
                GenerateCommand.class,
                BenchGenerateCommand.class,
                DemoCommand.class,
                AblationCommand.class,
                EvalPplCommand.class,
                PasskeyCommand.class,
        })
public final class SinkLoraCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new SinkLoraCli());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (ex instanceof BadInputException) {
                err.println("sinklora " + commandLine.getCommandName() + ": error: " + ex.getMessage());
                err.flush();
                return 2;
            }
            if (ex instanceof dev.sinklora.train.TrainingDivergedException) {
                err.println("sinklora " + commandLine.getCommandName() + ": error: " + ex.getMessage());
                err.flush();
                return 3;
            }
            throw ex;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("sinklora " + ex.getCommandLine().getCommandName() + ": error: " + ex.getMessage());
            err.println("Try 'sinklora " + ex.getCommandLine().getCommandName() + " --help'.");
            err.flush();
            return 2;
        });
        return cl;
    }

    public static void main(String[] args) {
        dev.sinklora.model.samediff.SameDiffs.silenceGradFunctionNoise();
        int rc = commandLine().execute(args);
        System.exit(rc);
    }
}
