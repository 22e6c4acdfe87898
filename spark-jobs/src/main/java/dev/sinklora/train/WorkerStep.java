package dev.sinklora.train;

import java.io.Serializable;

/**
 * One optimizer step as a worker applied it, reported back to the driver: which worker (Spark
 * partition), the step's index in the whole run (the network's iteration count, which drives the
 * learning-rate schedule and Adam's bias correction), the learning rate the updater used, and a
 * fingerprint of the minibatch it fitted.
 */
public record WorkerStep(int partition, int iteration, double learningRate, long minibatch) implements Serializable {
}
