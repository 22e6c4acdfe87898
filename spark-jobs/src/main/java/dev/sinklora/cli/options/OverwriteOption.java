package dev.sinklora.cli.options;

import picocli.CommandLine.Option;

/** {@code --overwrite}, for every command that writes a run or working directory {@code --out}. */
public final class OverwriteOption {

    @Option(names = "--overwrite", description = "replace an existing --out")
    boolean overwrite;

    public boolean overwrite() {
        return overwrite;
    }
}
