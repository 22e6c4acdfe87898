package dev.sinklora.cli.options;

import dev.sinklora.model.BadInputException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code --resume} and {@code --overwrite}, for commands that can continue an existing {@code --out}. */
public final class ResumeOptions {

    @Option(names = "--resume", description = "continue the existing --out where it stopped (the command's description says how)")
    boolean resume;

    @Mixin
    OverwriteOption overwrite;

    public boolean resume() {
        checked();
        return resume;
    }

    public boolean overwrite() {
        checked();
        return overwrite.overwrite();
    }

    private void checked() {
        if (resume && overwrite.overwrite()) {
            throw new BadInputException("--resume and --overwrite contradict each other");
        }
    }
}
