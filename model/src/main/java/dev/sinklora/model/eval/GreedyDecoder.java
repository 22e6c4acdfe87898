package dev.sinklora.model.eval;

import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.generate.Sampler;
import dev.sinklora.model.llama.LlamaGraph;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.LlamaTensors;
import dev.sinklora.model.llama.Projection;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * Greedy decoding with the model core and no cache: every new token re-runs the whole forward pass over the prompt
 * and what was generated so far, and only the last position's logits are computed ({@code lm_head} on one row).
 * Cost: {@code n} full forward passes; fine for passkey answers of a few tokens. Ties go to the lowest id.
 * Holds the model, the projection it runs with (LoRA unmerged, or plain) and the attention pattern per length.
 */
public final class GreedyDecoder implements Decoder {

    private final LlamaModel model;
    private final Projection projection;
    private final IntFunction<AttentionPattern> attention;

    /** @param attention the pattern for a sequence of the given length (e.g. {@code n -> AttentionPattern.FULL}) */
    public GreedyDecoder(LlamaModel model, Projection projection, IntFunction<AttentionPattern> attention) {
        this.model = model;
        this.projection = projection;
        this.attention = attention;
    }

    @Override
    public int[] generate(int[] promptIds, int n) {
        int[] seq = Arrays.copyOf(promptIds, promptIds.length + n);
        for (int i = 0; i < n; i++) {
            int len = promptIds.length + i;
            seq[len] = Sampler.argmax(Sampler.requireFinite(lastLogits(Arrays.copyOf(seq, len)), i + 1, len));
        }
        return Arrays.copyOfRange(seq, promptIds.length, seq.length);
    }

    /** The logits of the last position of {@code tokens} (all {@code vocab_size} of them). */
    public float[] lastLogits(int[] tokens) {
        model.validateTokens(tokens);
        LlamaConfig c = model.config();
        int n = tokens.length;
        SameDiff sd = SameDiff.create();
        SDVariable ids = sd.constant("ids", Nd4j.createFromArray(tokens).castTo(DataType.INT));
        LlamaGraph.Outputs out = LlamaGraph.build(sd, c, model.constants(), projection, ids, 1, n,
                attention.apply(n), c.ropeFactor());
        SDVariable last = out.hidden().get(SDIndex.point(n - 1)).reshape(1, c.hiddenSize());
        SDVariable head = sd.getVariable(c.tieWordEmbeddings() ? LlamaTensors.EMBED : LlamaTensors.LM_HEAD);
        return projection.apply(sd, "lm_head", last, head).eval().toFloatVector();
    }
}
