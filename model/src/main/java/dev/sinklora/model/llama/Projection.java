package dev.sinklora.model.llama;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A linear layer of the decoder, {@code y = x W^T}. The seam where LoRA wraps a frozen projection
 * ({@code y = x W^T + scaling * (x A^T) B^T}).
 */
@FunctionalInterface
public interface Projection {

    /**
     * @param module  HF module path, e.g. {@code model.layers.0.self_attn.q_proj}
     * @param x       [T, in]
     * @param weight  [out, in]
     * @return        [T, out]
     */
    SDVariable apply(SameDiff sd, String module, SDVariable x, SDVariable weight);

    /** The plain frozen linear layer. */
    Projection PLAIN = (sd, module, x, w) -> sd.mmul(x, w, false, true, false);
}
