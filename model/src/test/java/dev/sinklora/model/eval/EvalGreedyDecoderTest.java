package dev.sinklora.model.eval;

import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.llama.Fixtures;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.Projection;
import dev.sinklora.model.lora.AdaptedModel;
import dev.sinklora.model.lora.PeftAdapterIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The greedy decoder against argmax over the full logits of {@link LlamaModel#logits}, token by token. */
class EvalGreedyDecoderTest {

    static LlamaModel base;
    static final int[] PROMPT = {1, 242, 161, 176, 229, 149, 199, 213, 59, 17, 78, 75, 224, 233, 4, 129, 210, 36, 204};

    @BeforeAll
    static void load() throws Exception {
        base = LlamaModel.load(Fixtures.tinyBase());
    }

    /** Reference: extend one token at a time with the argmax of the last row of the full logits. */
    static int[] reference(LlamaModel m, Projection p, int[] prompt, int n, java.util.function.IntFunction<AttentionPattern> a) {
        int[] seq = prompt.clone();
        for (int i = 0; i < n; i++) {
            INDArray logits = m.logits(new int[][]{seq}, a.apply(seq.length), p);
            float[] last = logits.getRow(seq.length - 1).toFloatVector();
            int best = 0;
            for (int v = 1; v < last.length; v++) {
                if (last[v] > last[best]) {
                    best = v;
                }
            }
            seq = Arrays.copyOf(seq, seq.length + 1);
            seq[seq.length - 1] = best;
        }
        return Arrays.copyOfRange(seq, prompt.length, seq.length);
    }

    @Test
    void lastRowLogitsMatchTheFullForwardPass() {
        GreedyDecoder d = new GreedyDecoder(base, Projection.PLAIN, n -> AttentionPattern.FULL);
        float[] full = base.logits(new int[][]{PROMPT}, AttentionPattern.FULL, Projection.PLAIN)
                .getRow(PROMPT.length - 1).toFloatVector();
        assertArrayEquals(full, d.lastLogits(PROMPT), 1e-5f);
    }

    @Test
    void generatesTheArgmaxContinuationWithAndWithoutAnAdapter() throws Exception {
        assertArrayEquals(reference(base, Projection.PLAIN, PROMPT, 5, n -> AttentionPattern.FULL),
                new GreedyDecoder(base, Projection.PLAIN, n -> AttentionPattern.FULL).generate(PROMPT, 5));
        AdaptedModel adapted = AdaptedModel.unmerged(base, PeftAdapterIO.read(Fixtures.tinyAdapter()), "adapter");
        java.util.function.IntFunction<AttentionPattern> sf = n -> AttentionPattern.of(AttentionMode.SF, n, 4, null);
        assertArrayEquals(reference(adapted.model(), adapted.projection(), PROMPT, 4, sf),
                new GreedyDecoder(adapted.model(), adapted.projection(), sf).generate(PROMPT, 4));
    }
}
