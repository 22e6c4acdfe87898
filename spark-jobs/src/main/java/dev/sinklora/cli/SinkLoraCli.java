package dev.sinklora.cli;

import dev.sinklora.bench.BenchAttentionCommand;
import dev.sinklora.bench.BenchGenerateCommand;
import dev.sinklora.bench.BenchPrepCommand;
import dev.sinklora.bench.BenchTrainCommand;
import dev.sinklora.model.BadInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine;

import java.io.IOException;
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
                RandomBaseCommand.class,
        })
public final class SinkLoraCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    /** The I/O failure behind {@code ex} (itself, or a cause: Spark and Java wrap them), or null. */
    static IOException ioFailure(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof IOException io) {
                return io;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    /** One line: the failure, its root cause, and for S3 the endpoint and retry settings in force. */
    static String describe(IOException io) {
        Throwable root = io;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = String.valueOf(io.getMessage());
        if (root != io && !msg.contains(String.valueOf(root.getMessage()))) {
            msg += " (cause: " + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
        }
        if (msg.contains("s3a:") || msg.contains("S3A") || msg.contains("amazonaws")) {
            var conf = dev.sinklora.spark.HadoopConfs.current();
            msg += " [fs.s3a.endpoint=" + conf.get("fs.s3a.endpoint", "(AWS default)") + ", fs.s3a.attempts.maximum="
                    + conf.get("fs.s3a.attempts.maximum") + ", fs.s3a.retry.limit=" + conf.get("fs.s3a.retry.limit")
                    + "; see README 'Storage']";
        }
        return msg.replaceAll("\\s+", " ").strip();
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
            IOException io = ioFailure(ex);
            if (io != null) {
                // storage that cannot be reached or read: one line with what and why, not a stack trace
                err.println("sinklora " + commandLine.getCommandName() + ": error: " + describe(io));
                if (System.getenv("SINKLORA_DEBUG") != null) {
                    ex.printStackTrace(err);
                }
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
