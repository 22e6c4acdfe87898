package dev.sinklora.train.recompute;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One decoder layer's attention, run between the layer's two SameDiff pieces: its output and its
 * vector-Jacobian product. q {@code [B, H, N, D]}, k and v {@code [B, KVH, N, D]}, RoPE applied, q not
 * pre-scaled; output {@code [B, H, N, D]}. Returned arrays belong to the caller.
 */
interface LayerAttention {

    /** The gradients of q, k and v (shapes as q, k, v). */
    record Grads(INDArray dq, INDArray dk, INDArray dv) {
    }

    INDArray forward(INDArray q, INDArray k, INDArray v);

    /** d(loss)/d(q, k, v) given {@code dOut} = d(loss)/d(output). */
    Grads backward(INDArray q, INDArray k, INDArray v, INDArray dOut);
}
