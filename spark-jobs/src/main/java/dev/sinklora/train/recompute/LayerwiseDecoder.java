package dev.sinklora.train.recompute;

import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.attention.ChunkedAttention;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.LlamaTensors;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.train.TrainingLoss;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * LLaMA + LoRA training with activation recomputation per decoder layer. The forward pass keeps only each
 * layer's input {@code [T, hidden]} (T = B*N); the backward pass recomputes one layer at a time from its
 * input and back-propagates through it (vector-Jacobian products of {@link DecoderPieces}, with
 * {@link ChunkedAttention}'s backward between them), so memory holds one layer's activations, attention's
 * bounded by one query chunk, plus a boundary tensor per layer. Frozen
 * weights are widened to FP32 one layer at a time ({@link FrozenLayer}); the head runs in row chunks of at
 * most {@link #headRows} rows, so logits never exceed {@code headRows x vocab}, and each layer's row-wise part
 * (o_proj to the MLP, {@link DecoderPieces#attnOut}) in chunks of {@link #layerRows} rows, forward and backward,
 * its trainable gradients summed over the chunks. {@link DecoderPieces#attnIn} runs whole (RoPE needs positions).
 *
 * <p>Computes exactly what the whole-model graph does: the loss is {@link TrainingLoss} (B x the mean NLL of
 * the target tokens), gradients are of that loss. Trainable tensors are read from and their gradients written
 * to maps keyed by DL4J parameter key ({@link dev.sinklora.train.TrainableParams}). Not thread-safe (one per
 * network copy).
 */
public final class LayerwiseDecoder {

    /** Queries per attention chunk: scores of at most {@code B x H x 256 x keys} floats at a time. */
    private static final int QUERY_CHUNK = 256;

    /** Logits per head chunk stay within this many floats (64 MiB). */
    private static final long HEAD_CHUNK_FLOATS = 1L << 24;

    /**
     * A layer's row-wise part ({@link DecoderPieces#attnOut}) runs on row chunks whose largest tensors
     * ({@code [rows, intermediate]}, the MLP's, of which its gradient session holds a few dozen) stay within this
     * many floats (16 MiB).
     */
    private static final long LAYER_CHUNK_FLOATS = 1L << 22;

    private final LlamaModel base;
    private final LlamaConfig c;
    private final int batch;
    private final int n;
    private final DecoderPieces pieces;
    private final ChunkedAttention attention;
    private final int headRows;
    private final int layerRows;

    /** What {@link #lossAndGradients} returns: the loss and d(loss)/d(input embeddings) {@code [T, hidden]}. */
    public record Result(double loss, INDArray dEmbeddings) {
    }

    public LayerwiseDecoder(LlamaModel base, LoraConfig lora, AttentionPattern pattern, double ropeFactor,
                            int batch, int n) {
        this(base, lora, pattern, ropeFactor, batch, n,
                rowsWithin(LAYER_CHUNK_FLOATS, Math.max(base.config().intermediateSize(), base.config().hiddenSize()),
                        (long) batch * n));
    }

    /** @param layerRows rows per chunk of a layer's row-wise part (tests force several chunks on tiny inputs) */
    LayerwiseDecoder(LlamaModel base, LoraConfig lora, AttentionPattern pattern, double ropeFactor,
                     int batch, int n, int layerRows) {
        if (layerRows < 1) {
            throw new IllegalArgumentException("layerRows must be positive: " + layerRows);
        }
        this.base = base;
        this.c = base.config();
        this.batch = batch;
        this.n = n;
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            this.pieces = new DecoderPieces(c, lora, batch, n, ropeFactor);
            this.attention = new ChunkedAttention(pattern, QUERY_CHUNK);
        }
        this.headRows = rowsWithin(HEAD_CHUNK_FLOATS, c.vocabSize(), (long) batch * n);
        this.layerRows = layerRows;
    }

    /** Rows per chunk so that a {@code [rows, width]} tensor stays within {@code floats}: at least 1, at most {@code tokens}. */
    private static int rowsWithin(long floats, long width, long tokens) {
        return (int) Math.max(1, Math.min(tokens, floats / width));
    }

    /** The minibatch size the pieces were built for. */
    public int batch() {
        return batch;
    }

    /**
     * Token embeddings of {@code ids} (the base's frozen embedding), FP32 {@code [T, hidden]}.
     *
     * @param ids [B, N] token ids as floats
     */
    public INDArray embed(INDArray ids) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            int[] rows = ids.reshape(ids.length()).toIntVector();
            for (int i = 0; i < rows.length; i++) {
                if (rows[i] < 0 || rows[i] >= c.vocabSize()) {
                    throw new IllegalArgumentException("token id " + rows[i] + " at position " + i
                            + " is outside the vocabulary [0, " + c.vocabSize() + ")");
                }
            }
            INDArray picked = Nd4j.pullRows(base.weights().get(LlamaTensors.EMBED), 1, rows); // [T, hidden]
            return picked.dataType() == DataType.FLOAT ? picked : widen(picked);
        }
    }

    /** The loss of one minibatch (nothing kept). @param x [T, hidden] embeddings; labels [B, N] */
    public double loss(INDArray x, INDArray labels, Map<String, INDArray> params) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray last = forwardLayers(x, params, null);
            try {
                return head(last, flatLabels(labels), params, null, null);
            } finally {
                release(last, x);
            }
        }
    }

    /** Logits {@code [T, vocab]} of one minibatch (nothing else kept). @param x [T, hidden] embeddings */
    public INDArray logits(INDArray x, Map<String, INDArray> params) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray last = forwardLayers(x, params, null);
            INDArray logits = Nd4j.create(DataType.FLOAT, last.size(0), c.vocabSize());
            try (FrozenLayer frozen = new FrozenLayer(base)) {
                for (long from = 0; from < last.size(0); from += headRows) {
                    long to = Math.min(last.size(0), from + headRows);
                    Map<String, INDArray> feed = pieces.head.weights().feed(0, frozen, params);
                    feed.put(DecoderPieces.X, rows(last, from, to));
                    INDArray chunk = pieces.head.graph().forward(feed, pieces.logits).get(pieces.logits);
                    rows(logits, from, to).assign(chunk);
                    close(chunk);
                }
            } finally {
                release(last, x);
            }
            return logits;
        }
    }

    /**
     * The loss of one minibatch and its gradients: d(loss)/d(trainable tensor) assigned into {@code grads}
     * (same keys and shapes as {@code params}), d(loss)/d(x) returned.
     *
     * @param x      [T, hidden] input embeddings (not modified)
     * @param labels [B, N] next-token targets, negative where no loss is taken
     */
    public Result lossAndGradients(INDArray x, INDArray labels, Map<String, INDArray> params,
                                   Map<String, INDArray> grads) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            List<INDArray> inputs = new ArrayList<>();                    // layer l's input [T, hidden]
            INDArray last = forwardLayers(x, params, inputs);
            INDArray g = Nd4j.create(DataType.FLOAT, last.size(0), last.size(1));   // d(loss)/d(last) [T, hidden]
            double loss = head(last, flatLabels(labels), params, grads, g);
            release(last, x);
            for (int l = c.numHiddenLayers() - 1; l >= 0; l--) {
                INDArray input = inputs.get(l);
                INDArray dx = backwardLayer(l, input, g, params, grads);
                close(g);
                release(input, x);
                g = dx;
            }
            return new Result(loss, g);
        }
    }

    /** Runs every layer from {@code x}; keeps each layer's input in {@code keep} when given. Returns the last output. */
    private INDArray forwardLayers(INDArray x, Map<String, INDArray> params, List<INDArray> keep) {
        INDArray h = x;
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            INDArray next;
            try (FrozenLayer frozen = new FrozenLayer(base)) {
                Map<String, INDArray> in = pieces.attnIn.weights().feed(l, frozen, params);
                in.put(DecoderPieces.X, h);
                Map<String, INDArray> qkv = pieces.attnIn.graph().forward(in, pieces.q, pieces.k, pieces.v);
                INDArray a = attention.forward(qkv.get(pieces.q), qkv.get(pieces.k), qkv.get(pieces.v)); // [B, H, N, D]
                qkv.values().forEach(LayerwiseDecoder::close);
                INDArray merged = mergeHeads(a);                                     // [B, N, H, D]
                close(a);
                INDArray attnRows = merged.reshape(h.size(0), (long) c.numAttentionHeads() * c.headDim()); // [T, H*D]
                next = Nd4j.create(DataType.FLOAT, h.size(0), h.size(1));            // [T, hidden]
                for (long from = 0; from < h.size(0); from += layerRows) {
                    long to = Math.min(h.size(0), from + layerRows);
                    Map<String, INDArray> outIn = pieces.attnOut.weights().feed(l, frozen, params);
                    outIn.put(DecoderPieces.X, rows(h, from, to));
                    outIn.put(DecoderPieces.ATTN, rows(attnRows, from, to));
                    INDArray y = pieces.attnOut.graph().forward(outIn, pieces.out).get(pieces.out); // [rows, hidden]
                    rows(next, from, to).assign(y);
                    close(y);
                }
                close(merged);
            }
            if (keep != null) {
                keep.add(h);
            } else {
                release(h, x);
            }
            h = next;
        }
        return h;
    }

    /**
     * Recomputes layer {@code l} from its input and back-propagates {@code dOut} = d(loss)/d(layer output)
     * through it: the layer's trainable gradients go to {@code grads}; returns d(loss)/d(input).
     */
    private INDArray backwardLayer(int l, INDArray input, INDArray dOut, Map<String, INDArray> params,
                                   Map<String, INDArray> grads) {
        try (FrozenLayer frozen = new FrozenLayer(base)) {
            Map<String, INDArray> in = pieces.attnIn.weights().feed(l, frozen, params);
            in.put(DecoderPieces.X, input);
            Map<String, INDArray> qkv = pieces.attnIn.graph().forward(in, pieces.q, pieces.k, pieces.v);
            INDArray q = qkv.get(pieces.q);
            INDArray k = qkv.get(pieces.k);
            INDArray v = qkv.get(pieces.v);
            INDArray a = attention.forward(q, k, v);                                 // [B, H, N, D]

            long tokens = input.size(0);
            long width = (long) c.numAttentionHeads() * c.headDim();
            INDArray merged = mergeHeads(a);                                         // [B, N, H, D]
            INDArray attnRows = merged.reshape(tokens, width);                       // [T, H*D]
            INDArray dx = Nd4j.create(DataType.FLOAT, tokens, input.size(1));        // [T, hidden]
            INDArray dMerged = Nd4j.create(DataType.FLOAT, merged.shape());          // [B, N, H, D]
            INDArray dAttnRows = dMerged.reshape(tokens, width);                     // [T, H*D]
            Map<String, INDArray> gOut = new HashMap<>();
            for (long from = 0; from < tokens; from += layerRows) {
                long to = Math.min(tokens, from + layerRows);
                Map<String, INDArray> outIn = pieces.attnOut.weights().feed(l, frozen, params);
                outIn.put(DecoderPieces.X, rows(input, from, to));
                outIn.put(DecoderPieces.ATTN, rows(attnRows, from, to));
                outIn.put("dOut", rows(dOut, from, to));
                Map<String, INDArray> g = new HashMap<>(pieces.attnOut.graph().gradients(outIn));
                INDArray dxRows = g.remove(DecoderPieces.X);
                rows(dx, from, to).assign(dxRows);
                close(dxRows);
                INDArray daRows = g.remove(DecoderPieces.ATTN);
                rows(dAttnRows, from, to).assign(daRows);
                close(daRows);
                accumulate(gOut, g);
            }
            assign(gOut, pieces.attnOut.weights(), l, grads);
            close(merged);
            INDArray da = Nd4j.create(DataType.FLOAT, a.shape()).assign(dMerged.permute(0, 2, 1, 3)); // [B, H, N, D]
            close(dMerged);

            ChunkedAttention.Grads dqkv = attention.backward(q, k, v, da, a);
            close(a);
            close(da);
            close(q);
            close(k);
            close(v);
            in.put("dq", dqkv.dq());
            in.put("dk", dqkv.dk());
            in.put("dv", dqkv.dv());
            Map<String, INDArray> gIn = pieces.attnIn.graph().gradients(in);
            close(dqkv.dq());
            close(dqkv.dk());
            close(dqkv.dv());
            INDArray dxIn = gIn.remove(DecoderPieces.X);
            assign(gIn, pieces.attnIn.weights(), l, grads);
            dx.addi(dxIn);
            close(dxIn);
            return dx;
        }
    }

    /**
     * The loss over {@code last}'s rows in chunks; with {@code grads}, also d(loss)/d(last) into {@code dLast}
     * and the final norm's gradient (if trainable) into {@code grads}.
     */
    private double head(INDArray last, INDArray labels, Map<String, INDArray> params, Map<String, INDArray> grads,
                        INDArray dLast) {
        long targets = 0;
        for (float t : labels.toFloatVector()) {
            targets += t >= 0 ? 1 : 0;
        }
        INDArray scale = Nd4j.scalar(DataType.FLOAT, TrainingLoss.scale(batch, targets));
        double loss = 0;
        Map<String, INDArray> headGrads = new HashMap<>();
        try (FrozenLayer frozen = new FrozenLayer(base)) {
            for (long from = 0; from < last.size(0); from += headRows) {
                long to = Math.min(last.size(0), from + headRows);
                Map<String, INDArray> feed = pieces.head.weights().feed(0, frozen, params);
                feed.put(DecoderPieces.X, rows(last, from, to));
                feed.put(DecoderPieces.LABELS, labels.get(NDArrayIndex.interval(from, to)));
                feed.put(DecoderPieces.SCALE, scale);
                if (grads == null) {
                    INDArray l = pieces.head.graph().forward(feed, pieces.loss).get(pieces.loss);
                    loss += l.getDouble(0);
                    close(l);
                    continue;
                }
                var out = pieces.head.graph().lossAndGradients(feed, List.of(pieces.loss));
                INDArray l = out.outputs().get(pieces.loss);
                loss += l.getDouble(0);
                close(l);
                Map<String, INDArray> g = new HashMap<>(out.gradients());
                INDArray dRows = g.remove(DecoderPieces.X);
                rows(dLast, from, to).assign(dRows);
                close(dRows);
                accumulate(headGrads, g);
            }
        }
        close(scale);
        if (grads != null) {
            assign(headGrads, pieces.head.weights(), 0, grads);
        }
        return loss;
    }

    /** Adds one chunk's gradients (by placeholder) into {@code sums}, keeping the first chunk's arrays as the sums. */
    private static void accumulate(Map<String, INDArray> sums, Map<String, INDArray> chunk) {
        chunk.forEach((name, grad) -> {
            INDArray sum = sums.get(name);
            if (sum == null) {
                sums.put(name, grad);
            } else {
                sum.addi(grad);
                close(grad);
            }
        });
    }

    /** The attention output's heads side by side, c-ordered: [B, H, N, D] -> [B, N, H, D] (rows are tokens). */
    private static INDArray mergeHeads(INDArray a) {
        return a.permute(0, 2, 1, 3).dup('c');
    }

    /** Writes a piece's trainable gradients (by placeholder) into {@code grads} (by DL4J key) and frees them. */
    private static void assign(Map<String, INDArray> pieceGrads, PieceInputs weights, int l, Map<String, INDArray> grads) {
        pieceGrads.forEach((placeholder, g) -> {
            grads.get(weights.paramKey(placeholder, l)).assign(g.reshape(grads.get(weights.paramKey(placeholder, l)).shape()));
            close(g);
        });
    }

    private static INDArray flatLabels(INDArray labels) {
        return labels.reshape(labels.length()).castTo(DataType.FLOAT);
    }

    /** Rows {@code [from, to)} of a c-ordered matrix (a view). */
    private static INDArray rows(INDArray m, long from, long to) {
        return m.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
    }

    private static INDArray widen(INDArray a) {
        INDArray wide = a.castTo(DataType.FLOAT);
        close(a);
        return wide;
    }

    /** Frees an intermediate array now (native memory would otherwise wait for the garbage collector). */
    private static void close(INDArray a) {
        if (a != null && a.closeable()) {
            a.close();
        }
    }

    /** Frees a boundary tensor unless it is the caller's input. */
    private static void release(INDArray a, INDArray callerInput) {
        if (a != callerInput) {
            close(a);
        }
    }
}
