package dev.sinklora.model.lora;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Objects;

/**
 * The LoRA pair of one projection: {@code delta W = scaling * B A}.
 *
 * @param module HF module path, e.g. {@code model.layers.0.self_attn.q_proj}
 * @param a      FP32 {@code [r, in]}
 * @param b      FP32 {@code [out, r]}
 */
public record LoraModule(String module, INDArray a, INDArray b) {
    public LoraModule {
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
    }
}
