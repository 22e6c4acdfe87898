package dev.sinklora.eval;

import dev.sinklora.model.eval.Decoder;

import java.io.Serializable;

/**
 * Makes the {@link Decoder} a passkey task uses; travels to the executors, so it holds only what is needed to build
 * the decoder there (URIs, options), never weights.
 */
@FunctionalInterface
public interface DecoderFactory extends Serializable {

    /** A decoder for this task (may be shared across tasks of the JVM; must be thread-safe if it is). */
    Decoder open();
}
