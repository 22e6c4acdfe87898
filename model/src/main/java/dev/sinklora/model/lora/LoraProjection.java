package dev.sinklora.model.lora;

import dev.sinklora.model.llama.Projection;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.Set;

/**
 * LoRA applied unmerged: for an adapted module {@code y = x W^T + scaling * (x A^T) B^T}, the plain projection
 * elsewhere (including {@code lm_head}). Where A and B come from is a {@link Weights} choice: constants for
 * scoring ({@link #constants}), trainable SameDiff variables for training. No dropout is applied here.
 */
public final class LoraProjection implements Projection {

    /** Supplies a module's LoRA matrices to a graph; called once per module per graph. */
    public interface Weights {
        /** {@code [r, in]}. */
        SDVariable a(SameDiff sd, String module);

        /** {@code [out, r]}. */
        SDVariable b(SameDiff sd, String module);
    }

    private final double scaling;
    private final Set<String> modules;
    private final Weights weights;

    /**
     * @param scaling {@code alpha / r}
     * @param modules the adapted module paths, e.g. {@code model.layers.0.self_attn.q_proj}
     */
    public LoraProjection(double scaling, Set<String> modules, Weights weights) {
        this.scaling = scaling;
        this.modules = Set.copyOf(modules);
        this.weights = weights;
    }

    /** The adapter's A and B as SameDiff constants (inference, scoring). */
    public static LoraProjection constants(LoraAdapter adapter) {
        return new LoraProjection(adapter.scaling(), adapter.modules().keySet(), new Weights() {
            @Override
            public SDVariable a(SameDiff sd, String module) {
                return sd.constant(module + ".lora_A.weight", adapter.modules().get(module).a());
            }

            @Override
            public SDVariable b(SameDiff sd, String module) {
                return sd.constant(module + ".lora_B.weight", adapter.modules().get(module).b());
            }
        });
    }

    @Override
    public SDVariable apply(SameDiff sd, String module, SDVariable x, SDVariable weight) {
        SDVariable y = sd.mmul(x, weight, false, true, false);      // [T, out]
        if (!modules.contains(module)) {
            return y;
        }
        SDVariable xa = sd.mmul(x, weights.a(sd, module), false, true, false);   // [T, r]
        SDVariable delta = sd.mmul(xa, weights.b(sd, module), false, true, false); // [T, out]
        return y.add(delta.mul(scaling));
    }
}
