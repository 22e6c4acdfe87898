package dev.sinklora.model.llama;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Where the graph gets a named HF tensor: a constant (frozen base weight) or a trainable
 * variable. Called once per name per graph.
 */
@FunctionalInterface
public interface WeightSource {
    SDVariable weight(SameDiff sd, String name);
}
