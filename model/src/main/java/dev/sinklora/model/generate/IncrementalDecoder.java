package dev.sinklora.model.generate;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.LlamaTensors;
import dev.sinklora.model.llama.Rope;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * LLaMA inference with a KV cache, eagerly in ND4J: {@link #prefill} runs the prompt through every layer
 * (attention chunked over queries, so no {@code N x N} score matrix), filling a {@link KvCache}; then
 * {@link #step} runs one new position against the cache. A second implementation of the math of
 * {@code LlamaGraph} (RMSNorm, RoPE with linear interpolation at each key's original position, GQA,
 * SwiGLU, tied or separate lm_head), checked against it in tests; it reads {@link LlamaModel}'s weight
 * arrays directly (no copies).
 *
 * <p>Attention probabilities feed the cache's H2O scores: in prefill every prompt query's probabilities,
 * in a step the new query's, summed over the query heads that share a KV head.
 */
public final class IncrementalDecoder {

    /** Query rows per prefill attention block: scores are at most [chunk, N] per head. */
    public static final int DEFAULT_PREFILL_CHUNK = 256;

    private static final float MASKED = -1e30f;

    private final LlamaModel model;
    private final LlamaConfig config;
    private final Layer[] layers;
    private final INDArray embed;       // [vocab, hidden]
    private final INDArray finalNorm;   // [hidden]
    private final INDArray lmHead;      // [vocab, hidden] (the embedding when tied)
    private final Rotary rotary;
    private final int prefillChunk;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final int groups;           // query heads per KV head
    private final double scale;         // 1 / sqrt(D)

    /** One layer's weights, HF layout ({@code [out, in]} for projections). */
    private record Layer(INDArray inputNorm, INDArray q, INDArray k, INDArray v, INDArray o,
                         INDArray postNorm, INDArray gate, INDArray up, INDArray down) {
    }

    public IncrementalDecoder(LlamaModel model) {
        this(model, DEFAULT_PREFILL_CHUNK);
    }

    public IncrementalDecoder(LlamaModel model, int prefillChunk) {
        if (prefillChunk < 1) {
            throw new IllegalArgumentException("prefillChunk must be >= 1, got " + prefillChunk);
        }
        this.model = model;
        this.config = model.config();
        this.prefillChunk = prefillChunk;
        var w = model.weights();
        this.layers = new Layer[config.numHiddenLayers()];
        for (int l = 0; l < layers.length; l++) {
            String p = LlamaTensors.layer(l);
            layers[l] = new Layer(w.get(p + "input_layernorm.weight"),
                    w.get(LlamaTensors.projection(l, "q_proj") + ".weight"),
                    w.get(LlamaTensors.projection(l, "k_proj") + ".weight"),
                    w.get(LlamaTensors.projection(l, "v_proj") + ".weight"),
                    w.get(LlamaTensors.projection(l, "o_proj") + ".weight"),
                    w.get(p + "post_attention_layernorm.weight"),
                    w.get(LlamaTensors.projection(l, "gate_proj") + ".weight"),
                    w.get(LlamaTensors.projection(l, "up_proj") + ".weight"),
                    w.get(LlamaTensors.projection(l, "down_proj") + ".weight"));
        }
        this.embed = w.get(LlamaTensors.EMBED);
        this.finalNorm = w.get(LlamaTensors.FINAL_NORM);
        this.lmHead = config.tieWordEmbeddings() ? embed : w.get(LlamaTensors.LM_HEAD);
        this.heads = config.numAttentionHeads();
        this.kvHeads = config.numKeyValueHeads();
        this.headDim = config.headDim();
        this.groups = config.kvGroups();
        this.scale = 1.0 / Math.sqrt(headDim);
        this.rotary = new Rotary(headDim, Rope.of(config));
    }

    public LlamaModel model() {
        return model;
    }

    /** A cache for this model with room for {@code totalPositions} positions under {@code policy}. */
    public KvCache newCache(CachePolicy policy, int totalPositions) {
        return KvCache.allocate(config, policy, totalPositions);
    }

    /**
     * Runs the prompt (positions 0..n-1) into the empty {@code cache}.
     *
     * @return the logits after the last prompt position, [vocab]
     */
    public float[] prefill(int[] prompt, KvCache cache) {
        if (prompt.length == 0) {
            throw new BadInputException("the prompt is empty: need at least one token");
        }
        if (cache.length() != 0) {
            throw new IllegalStateException("prefill needs an empty cache");
        }
        model.validateTokens(prompt);
        int n = prompt.length;
        INDArray x = Nd4j.pullRows(embed, 1, prompt);                        // [n, hidden]
        Rotary.Tables ropeQ = rotary.tables(0, n, heads, scale);           // [n, H*D], 1/sqrt(D) folded in
        Rotary.Tables ropeK = rotary.tables(0, n, kvHeads, 1);             // [n, KVH*D]
        INDArray mask = causalMask(Math.min(n, prefillChunk));              // [chunk, chunk]
        for (int l = 0; l < layers.length; l++) {
            x = prefillLayer(layers[l], cache.layer(l), x, ropeQ, ropeK, mask, cache.policy().tracksScores());
        }
        cache.advance(n);
        return logits(x.getRow(n - 1, true));
    }

    /**
     * Runs one token at the next position ({@link KvCache#length()}) against the cache, appending it and
     * then evicting down to the budget.
     *
     * @return the logits after this position, [vocab]
     */
    public float[] step(int token, KvCache cache) {
        if (cache.length() == 0) {
            throw new IllegalStateException("step needs a prefilled cache");
        }
        model.validateTokens(new int[]{token});
        int pos = cache.length();
        INDArray x = embed.getRow(token, true).dup();                         // [1, hidden]
        Rotary.Tables ropeQ = rotary.tables(pos, 1, heads, scale);          // [1, H*D], 1/sqrt(D) folded in
        Rotary.Tables ropeK = rotary.tables(pos, 1, kvHeads, 1);            // [1, KVH*D]
        boolean track = cache.policy().tracksScores();
        for (int l = 0; l < layers.length; l++) {
            Layer w = layers[l];
            LayerKvCache lc = cache.layer(l);
            INDArray h = rmsNorm(x, w.inputNorm);                                                  // [1, hidden]
            INDArray q = rotary.apply(linear(h, w.q), ropeQ).reshape(kvHeads, groups, headDim);  // [KVH, G, D], scaled
            lc.append(rotary.apply(linear(h, w.k), ropeK).toFloatVector(),                       // [KVH*D]
                    linear(h, w.v).toFloatVector(), pos);
            INDArray p = softmaxLast(Nd4j.matmul(q, lc.keys(), false, true, false));           // [KVH, G, n]
            if (track) {
                lc.accumulate(p.sum(1));                                                         // [KVH, n]
            }
            INDArray attn = Nd4j.matmul(p, lc.values(), false, false, false);                  // [KVH, G, D]
            lc.evictIfOverBudget(pos);
            x.addi(linear(attn.reshape(1, (long) heads * headDim), w.o));
            x = mlp(w, x);
        }
        cache.advance(1);
        return logits(x);
    }

    /** One layer over all prompt positions; writes the layer's cache. x: [n, hidden]. */
    private INDArray prefillLayer(Layer w, LayerKvCache lc, INDArray x, Rotary.Tables ropeQ,
                                  Rotary.Tables ropeK, INDArray mask, boolean track) {
        int n = (int) x.size(0);
        INDArray h = rmsNorm(x, w.inputNorm);                                 // [n, hidden]
        INDArray q = rotary.apply(linear(h, w.q), ropeQ);                      // [n, H*D], scaled
        INDArray k = byHead(rotary.apply(linear(h, w.k), ropeK), n);          // [KVH, n, D]
        INDArray v = byHead(linear(h, w.v), n);                               // [KVH, n, D]
        INDArray scores = track ? Nd4j.zeros(DataType.FLOAT, kvHeads, n) : null;   // [KVH, n]
        INDArray attn = Nd4j.create(DataType.FLOAT, n, (long) heads * headDim);    // [n, H*D]
        for (int c0 = 0; c0 < n; c0 += prefillChunk) {
            int c1 = Math.min(n, c0 + prefillChunk);
            var rows = NDArrayIndex.interval(c0, c1);
            var seen = NDArrayIndex.interval(0, c1);
            for (int hq = 0; hq < heads; hq++) {
                int g = hq / groups;
                var cols = NDArrayIndex.interval(hq * headDim, (hq + 1) * headDim);
                INDArray qc = q.get(rows, cols);                                              // [C, D]
                INDArray s = Nd4j.gemm(qc, k.slice(g).get(seen, NDArrayIndex.all()), false, true); // [C, c1]
                s.get(NDArrayIndex.all(), rows).addi(mask.get(NDArrayIndex.interval(0, c1 - c0),
                        NDArrayIndex.interval(0, c1 - c0)));
                INDArray p = softmaxLast(s);                                                  // [C, c1]
                if (track) {
                    scores.get(NDArrayIndex.point(g), seen).addi(p.sum(0));
                }
                attn.get(rows, cols).assign(Nd4j.gemm(p, v.slice(g).get(seen, NDArrayIndex.all()), false, false));
            }
        }
        lc.fill(k, v, scores);
        INDArray out = x.add(linear(attn, w.o));
        return mlp(w, out);
    }

    /** x + down(silu(gate(h)) * up(h)) with h = RMSNorm(x). x: [T, hidden]. */
    private INDArray mlp(Layer w, INDArray x) {
        INDArray h = rmsNorm(x, w.postNorm);
        INDArray gate = linear(h, w.gate);                                    // [T, inter]
        INDArray act = gate.mul(Transforms.sigmoid(gate, true)).muli(linear(h, w.up));
        return x.addi(linear(act, w.down));
    }

    private float[] logits(INDArray lastHidden) {
        return linear(rmsNorm(lastHidden, finalNorm), lmHead).toFloatVector();   // [1, vocab]
    }

    /** {@code x W^T}: x [T, in], w [out, in] -> [T, out]. */
    private static INDArray linear(INDArray x, INDArray w) {
        return Nd4j.gemm(x, w, false, true);
    }

    /** RMSNorm: {@code x / sqrt(mean(x^2) + eps) * w}; x [T, hidden], w [hidden]. */
    private INDArray rmsNorm(INDArray x, INDArray w) {
        INDArray rms = Transforms.sqrt(x.mul(x).mean(true, 1).addi(config.rmsNormEps()), false);   // [T, 1]
        return x.divColumnVector(rms).muliRowVector(w);
    }

    /** [n, heads*D] -> [heads, n, D], contiguous. */
    private INDArray byHead(INDArray x, int n) {
        return x.reshape(n, kvHeads, headDim).permute(1, 0, 2).dup('c');
    }

    /** Softmax along the last dimension, in place. */
    private static INDArray softmaxLast(INDArray s) {
        Nd4j.exec(new SoftMax(s, s, s.rank() - 1));
        return s;
    }

    /** [c, c]: 0 where key j <= query i, {@link #MASKED} above the diagonal. */
    private static INDArray causalMask(int c) {
        float[] m = new float[c * c];
        for (int i = 0; i < c; i++) {
            for (int j = i + 1; j < c; j++) {
                m[i * c + j] = MASKED;
            }
        }
        return Nd4j.create(m, new long[]{c, c}, DataType.FLOAT);
    }
}
