package dev.sinklora.model.samediff;

import org.nd4j.autodiff.samediff.SameDiff;

import java.io.OutputStream;
import java.io.PrintStream;

/** Small workarounds around SameDiff 1.0.0-M2.1. */
public final class SameDiffs {

    private SameDiffs() {
    }

    /**
     * {@link SameDiff#createGradFunction()} prints one "Added differentiated op" line per op to
     * System.out (a leftover println in M2.1), which would corrupt the CLI's JSON-on-stdout
     * contract. Build the gradient function with System.out muted.
     */
    public static synchronized void createGradFunctionQuietly(SameDiff sd) {
        PrintStream out = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            sd.createGradFunction();
        } finally {
            System.setOut(out);
        }
    }
}
