package dev.sinklora.model.attention;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Exact attention for every {@link AttentionPattern}, eager ND4J in FP32, with a hand-written backward
 * pass whose memory is bounded by one query chunk: nothing score-sized outlives a chunk, so a call
 * needs about {@code 2 x B x H x queryChunk x keys x 4} bytes beyond its inputs and outputs
 * ({@code keys}: the causal prefix for {@code full}, at most {@code S + G} otherwise).
 *
 * <p>The block structure is GroupwiseAttention's ({@link BlockLayout}: plain heads {@code h < H/2},
 * shifted heads {@code h >= H/2}, the {@code S} sink keys in front of every block; {@code full} is one
 * block of {@code N}), but each block is cut into chunks of at most {@code queryChunk} queries, and a
 * chunk reads only its sinks and its block's slots up to its own last query ({@link QueryChunk}).
 * Query heads that share a kv head go through one matmul ({@link KvHeadRun}); keys are never
 * repeated per query head. Each chunk holds every key its rows may read, so the backward pass
 * recomputes the chunk's probabilities exactly from q and k (no saved log-sum-exp needed) and uses
 * {@code dS = P * (dP - rowsum(dOut * out))}, with the chunk's {@code out} taken from the caller or
 * recomputed as {@code P V}.
 *
 * <p>The returned arrays are allocated like an ND4J op's output (in the caller's workspace, if one
 * is open); every temporary is allocated outside workspaces and closed when its chunk is done.
 * Instances are immutable and may be shared between threads.
 */
public final class ChunkedAttention {

    /** Gradients of a loss with respect to the inputs: dq {@code [B, H, N, D]}, dk and dv {@code [B, KVH, N, D]}. */
    public record Grads(INDArray dq, INDArray dk, INDArray dv) {
    }

    private final AttentionPattern pattern;
    private final int queryChunk;

    /** @param queryChunk the most queries (per head) one chunk computes; > 0 */
    public ChunkedAttention(AttentionPattern pattern, int queryChunk) {
        if (pattern == null) {
            throw new IllegalArgumentException("attention pattern is required");
        }
        if (queryChunk <= 0) {
            throw new IllegalArgumentException("query chunk must be > 0, got " + queryChunk);
        }
        this.pattern = pattern;
        this.queryChunk = queryChunk;
    }

    public AttentionPattern pattern() {
        return pattern;
    }

    public int queryChunk() {
        return queryChunk;
    }

    /**
     * @param q [B, H, N, D] queries, FP32, RoPE applied, not scaled (1/sqrt(D) is applied here)
     * @param k [B, KVH, N, D] keys ({@code H % KVH == 0}; query head h reads kv head {@code h / (H/KVH)})
     * @param v [B, KVH, N, D] values
     * @return [B, H, N, D] attention output (before o_proj)
     */
    public INDArray forward(INDArray q, INDArray k, INDArray v) {
        checkShapes(q, k, v, null);
        INDArray out = Nd4j.create(DataType.FLOAT, q.shape());                       // [B, H, N, D]
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces();
             Scratch call = new Scratch()) {
            INDArray tri = call.own(upperTriangle(q));
            for (Part part : parts(q, k)) {
                try (Scratch s = new Scratch()) {
                    Probabilities p = probabilities(s, part, q, k, tri);
                    INDArray vc = s.keys(v, part);                                   // [B, kvH, K, D]
                    INDArray o = s.uninitialized(p.rowShape());                      // [B, kvH, perKv*rows, D]
                    Nd4j.matmul(p.probs(), vc, o, false, false, false);
                    SlotRows.scatterQueries(o, part.run(), part.rows(), out);
                }
            }
        }
        return out;
    }

    /**
     * Gradients of {@code sum(forward(q, k, v) * dOut)}, recomputing each chunk's probabilities (and its
     * output rows, for {@code rowsum(dOut * out)}).
     *
     * @param dOut [B, H, N, D] upstream gradient of the output
     */
    public Grads backward(INDArray q, INDArray k, INDArray v, INDArray dOut) {
        return backward(q, k, v, dOut, null);
    }

    /**
     * As {@link #backward(INDArray, INDArray, INDArray, INDArray)}, given the forward's output {@code out}
     * [B, H, N, D] (which saves recomputing it: one of the chunk's seven matmuls); null recomputes it.
     */
    public Grads backward(INDArray q, INDArray k, INDArray v, INDArray dOut, INDArray out) {
        checkShapes(q, k, v, dOut);
        if (out != null && !Arrays.equals(out.shape(), q.shape())) {
            throw new IllegalArgumentException("out must have q's shape " + Arrays.toString(q.shape()) + ", got "
                    + Arrays.toString(out.shape()));
        }
        INDArray dq = Nd4j.create(DataType.FLOAT, q.shape());                        // [B, H, N, D]
        INDArray dk = Nd4j.create(DataType.FLOAT, k.shape());                        // [B, KVH, N, D]
        INDArray dv = Nd4j.create(DataType.FLOAT, v.shape());                        // [B, KVH, N, D]
        double scale = scale(q);
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces();
             Scratch call = new Scratch()) {
            INDArray tri = call.own(upperTriangle(q));
            for (Part part : parts(q, k)) {
                try (Scratch s = new Scratch()) {
                    Probabilities p = probabilities(s, part, q, k, tri);
                    INDArray vc = s.keys(v, part);                                   // [B, kvH, K, D]
                    INDArray g = s.queries(dOut, part);                              // [B, kvH, perKv*rows, D]

                    INDArray dvc = s.uninitialized(p.keyShape());                    // [B, kvH, K, D]
                    Nd4j.matmul(p.probs(), g, dvc, true, false, false);
                    SlotRows.scatterAddKeys(dvc, part.run(), part.sinks(), part.window(), dv);

                    // dS = P * (dP - rowsum(dOut * out))
                    INDArray ds = s.uninitialized(p.probs().shape());                // [B, kvH, perKv*rows, K]
                    Nd4j.matmul(g, vc, ds, false, true, false);
                    INDArray o;                                                      // [B, kvH, perKv*rows, D]
                    if (out != null) {
                        o = s.queries(out, part);
                    } else {
                        o = s.uninitialized(p.rowShape());
                        Nd4j.matmul(p.probs(), vc, o, false, false, false);
                    }
                    INDArray rowDot = s.own(o.muli(g).sum(true, 3));                 // [B, kvH, perKv*rows, 1]
                    ds.subi(rowDot).muli(p.probs());

                    // scores = (q * scale) k^T: dq = scale dS k, dk = dS^T (q * scale)
                    Nd4j.matmul(ds, p.keys(), o, false, false, false);               // reuses o: dq rows
                    SlotRows.scatterQueries(o.muli(scale), part.run(), part.rows(), dq);
                    INDArray dkc = s.uninitialized(p.keyShape());                    // [B, kvH, K, D]
                    Nd4j.matmul(ds, p.scaledQueries(), dkc, true, false, false);
                    SlotRows.scatterAddKeys(dkc, part.run(), part.sinks(), part.window(), dk);
                }
            }
        }
        return new Grads(dq, dk, dv);
    }

    /** One matmul unit: a query chunk of one block, for the query heads of one kv-head run. */
    private record Part(QueryChunk chunk, KvHeadRun run, SlotPieces rows, SlotPieces window) {
        int sinks() {
            return chunk.sinks();
        }
    }

    /** A chunk's scaled queries {@code [B, kvH, perKv*rows, D]}, keys {@code [B, kvH, K, D]} and softmax {@code [B, kvH, perKv*rows, K]}. */
    private record Probabilities(INDArray scaledQueries, INDArray keys, INDArray probs) {
        long[] rowShape() {
            return scaledQueries.shape();
        }

        long[] keyShape() {
            return keys.shape();
        }
    }

    private Probabilities probabilities(Scratch s, Part part, INDArray q, INDArray k, INDArray tri) {
        INDArray qs = s.queries(q, part).muli(scale(q));                             // [B, kvH, perKv*rows, D]
        INDArray kc = s.keys(k, part);                                               // [B, kvH, K, D]
        long[] shape = {q.size(0), part.run().kvHeads(), qs.size(2), kc.size(2)};
        INDArray scores = s.uninitialized(shape);                                    // [B, kvH, perKv*rows, K]
        Nd4j.matmul(qs, kc, scores, false, true, false);
        mask(s, scores, part, tri);
        Nd4j.exec(new SoftMax(scores, scores, 3));
        return new Probabilities(qs, kc, scores);
    }

    /** Hides the diagonal square's later slots and the sinks the rule hides. Every row keeps itself. */
    private static void mask(Scratch s, INDArray scores, Part part, INDArray tri) {
        QueryChunk c = part.chunk();
        int rows = c.rows();
        INDArray byQuery = scores.reshape(scores.size(0), scores.size(1), part.run().perKv(), rows,
                scores.size(3));                                                     // [B, kvH, perKv, rows, K]
        if (rows > 1) {
            byQuery.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(),
                            NDArrayIndex.interval(c.diagonalColumn(), c.diagonalColumn() + rows))
                    .addi(tri.get(NDArrayIndex.interval(0, rows), NDArrayIndex.interval(0, rows)));
        }
        float[] sinkMask = c.sinkMask();
        if (sinkMask != null) {
            INDArray m = s.own(Nd4j.create(sinkMask, new long[]{rows, c.sinks()}, DataType.FLOAT)); // [rows, S]
            byQuery.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(),
                    NDArrayIndex.interval(0, c.sinks())).addi(m);
        }
    }

    /** The chunks of every class of heads, cut by kv-head runs. */
    private List<Part> parts(INDArray q, INDArray k) {
        int heads = (int) q.size(1);
        int n = (int) q.size(2);
        int rep = heads / (int) k.size(1);
        List<Part> parts = new ArrayList<>();
        if (!pattern.shifted()) {
            addParts(parts, BlockLayout.plain(pattern, n), 0, heads, rep);
        } else {
            int plainHeads = heads / 2;
            addParts(parts, BlockLayout.plain(pattern, n), 0, plainHeads, rep);
            addParts(parts, BlockLayout.shifted(pattern, n), plainHeads, heads, rep);
        }
        return parts;
    }

    private void addParts(List<Part> parts, BlockLayout layout, int headFrom, int headTo, int rep) {
        if (headFrom == headTo) {
            return;
        }
        List<QueryChunk> chunks = QueryChunk.of(layout, queryChunk);
        for (KvHeadRun run : KvHeadRun.of(headFrom, headTo, rep)) {
            for (QueryChunk c : chunks) {
                parts.add(new Part(c, run, c.queries(), c.windowKeys()));
            }
        }
    }

    /** {@code [T, T]} additive mask, {@link BlockLayout#MASKED} above the diagonal; T = min(queryChunk, N). */
    private INDArray upperTriangle(INDArray q) {
        int t = (int) Math.min(queryChunk, q.size(2));
        float[] m = new float[t * t];
        for (int r = 0; r < t; r++) {
            Arrays.fill(m, r * t + r + 1, (r + 1) * t, BlockLayout.MASKED);
        }
        return Nd4j.create(m, new long[]{t, t}, DataType.FLOAT);
    }

    private static double scale(INDArray q) {
        return 1.0 / Math.sqrt(q.size(3));
    }

    private static void checkShapes(INDArray q, INDArray k, INDArray v, INDArray dOut) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4) {
            throw new IllegalArgumentException("q, k, v must be rank 4 [B, heads, N, D], got "
                    + Arrays.toString(q.shape()) + ", " + Arrays.toString(k.shape()) + ", "
                    + Arrays.toString(v.shape()));
        }
        for (INDArray x : dOut == null ? new INDArray[]{q, k, v} : new INDArray[]{q, k, v, dOut}) {
            if (x.dataType() != DataType.FLOAT) {
                throw new IllegalArgumentException("ChunkedAttention is FP32, got " + x.dataType());
            }
        }
        if (!Arrays.equals(k.shape(), v.shape()) || k.size(0) != q.size(0) || k.size(2) != q.size(2)
                || k.size(3) != q.size(3) || k.size(1) == 0 || q.size(1) % k.size(1) != 0) {
            throw new IllegalArgumentException("k and v [B, KVH, N, D] with H % KVH == 0 must match q "
                    + Arrays.toString(q.shape()) + ", got " + Arrays.toString(k.shape()) + ", "
                    + Arrays.toString(v.shape()));
        }
        if (dOut != null && !Arrays.equals(dOut.shape(), q.shape())) {
            throw new IllegalArgumentException("dOut must have q's shape " + Arrays.toString(q.shape()) + ", got "
                    + Arrays.toString(dOut.shape()));
        }
    }

    /** The arrays one chunk (or call) allocates, closed together: their memory is freed at once, not at GC. */
    private static final class Scratch implements AutoCloseable {
        private final List<INDArray> owned = new ArrayList<>();

        INDArray own(INDArray a) {
            owned.add(a);
            return a;
        }

        /** A new owned array for a matmul to fill (matmul does not read its output). */
        INDArray uninitialized(long... shape) {
            return own(Nd4j.createUninitialized(DataType.FLOAT, shape));
        }

        /** The part's rows of x [B, H, N, D] as [B, kvH, perKv*rows, D]. */
        INDArray queries(INDArray x, Part part) {
            INDArray byHead = own(SlotRows.gatherQueries(x, part.run(), part.rows()));  // [B, Hr, rows, D]
            return byHead.reshape(x.size(0), part.run().kvHeads(),
                    (long) part.run().perKv() * part.rows().length(), x.size(3));
        }

        /** The part's keys of x [B, KVH, N, D] as [B, kvH, S + window, D] (a view, or an owned copy). */
        INDArray keys(INDArray x, Part part) {
            if (SlotRows.keysAreAView(part.sinks(), part.window())) {
                return SlotRows.keyView(x, part.run(), part.window());
            }
            return own(SlotRows.gatherKeys(x, part.run(), part.sinks(), part.window()));
        }

        @Override
        public void close() {
            for (INDArray a : owned) {
                if (a.closeable()) {
                    a.close();
                }
            }
            owned.clear();
        }
    }
}
