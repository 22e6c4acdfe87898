package dev.sinklora.train.recompute;

import dev.sinklora.model.llama.LlamaModel;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.Map;

/**
 * The frozen base tensors one layer (or the head) runs with, as FP32: the base's own arrays when it is FP32,
 * otherwise widened copies of its F16/BF16 arrays (ND4J's CPU backend has no fast half-precision matmul),
 * made on first use and freed by {@link #close}, so at most one layer's weights are ever widened at once.
 */
final class FrozenLayer implements AutoCloseable {

    private final LlamaModel base;
    private final Map<String, INDArray> fp32 = new HashMap<>();

    FrozenLayer(LlamaModel base) {
        this.base = base;
    }

    /** Tensor {@code name} (HF name) as FP32; valid until {@link #close}. */
    INDArray get(String name) {
        return fp32.computeIfAbsent(name, base::fp32);
    }

    @Override
    public void close() {
        fp32.forEach((name, a) -> {
            if (a != base.weights().get(name) && a.closeable()) {
                a.close();
            }
        });
        fp32.clear();
    }
}
