package dev.sinklora.model.attention;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Attention computed block by block, as SameDiff ops (so it is differentiable and reused by
 * training). Work and memory grow with {@code N * (G + S)}, never {@code N^2} (except for
 * {@code full}, which is one block of {@code N}).
 *
 * <p>For each class of heads ({@link BlockLayout}): q/k/v are laid out in slots (a roll and/or
 * zero padding, then a free reshape into {@code [B*Hh*blocks, G, D]}); the {@code S} sink
 * keys/values are prepended to every block's keys/values; one batched matmul gives the
 * {@code [B*Hh, blocks, G, S+G]} scores, which are masked, soft-maxed and applied to the values in one more
 * batched matmul; the result is laid back in position order.
 */
public final class GroupwiseAttention {

    private GroupwiseAttention() {
    }

    /**
     * @param q     [B, H, N, D] queries, RoPE applied
     * @param k     [B, KVH, N, D] keys, RoPE applied ({@code H % KVH == 0}; repeated per query head here)
     * @param v     [B, KVH, N, D]
     * @return      [B, H, N, D] attention output (before o_proj)
     */
    public static SDVariable attend(SameDiff sd, String name, SDVariable q, SDVariable k, SDVariable v,
                                    int batch, int heads, int kvHeads, int n, int headDim,
                                    AttentionPattern pattern) {
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads " + heads + " not divisible by kv heads " + kvHeads);
        }
        SDVariable kr = repeatKv(sd, k, batch, kvHeads, heads / kvHeads, n, headDim);
        SDVariable vr = repeatKv(sd, v, batch, kvHeads, heads / kvHeads, n, headDim);
        SDVariable qs = q.mul(1.0 / Math.sqrt(headDim));

        if (!pattern.shifted()) {
            return attendHeads(sd, name + "_all", qs, kr, vr, batch, heads, headDim,
                    BlockLayout.plain(pattern, n));
        }
        int plainHeads = heads / 2;
        List<SDVariable> parts = new ArrayList<>(2);
        if (plainHeads > 0) {
            parts.add(attendHeads(sd, name + "_plain",
                    headSlice(sd, qs, 0, plainHeads), headSlice(sd, kr, 0, plainHeads),
                    headSlice(sd, vr, 0, plainHeads), batch, plainHeads, headDim,
                    BlockLayout.plain(pattern, n)));
        }
        int shiftedHeads = heads - plainHeads;
        parts.add(attendHeads(sd, name + "_shift",
                headSlice(sd, qs, plainHeads, heads), headSlice(sd, kr, plainHeads, heads),
                headSlice(sd, vr, plainHeads, heads), batch, shiftedHeads, headDim,
                BlockLayout.shifted(pattern, n)));
        return parts.size() == 1 ? parts.get(0) : sd.concat(1, parts.toArray(new SDVariable[0]));
    }

    /**
     * One class of heads, all sharing one {@link BlockLayout}. q is already scaled by 1/sqrt(D).
     * The S sink keys/values are put in front of every block's own G keys/values (a copy of
     * {@code S x D} per block, cheap), so one batched matmul gives {@code [B*Hh, blocks, G, S+G]} scores and
     * one gives the output: no score-sized concatenations or slices.
     */
    private static SDVariable attendHeads(SameDiff sd, String name, SDVariable q, SDVariable k, SDVariable v,
                                          int batch, int hh, int d, BlockLayout layout) {
        int g = layout.group();
        int w = layout.width();
        int blocks = layout.blocks();
        long bh = (long) batch * hh;

        // Score-sized tensors stay rank 4 [B*Hh, blocks, G, S+G] end to end: a reshape of them
        // would cost a copy per op in SameDiff's sessions.
        SDVariable qBlk = toSlots(sd, q, layout, batch, hh, d).reshape(bh, blocks, g, d);
        SDVariable kBlk = withSinks(sd, k, layout, batch, hh, d);                  // [B*Hh, blocks, S+G, D]
        SDVariable vBlk = withSinks(sd, v, layout, batch, hh, d);                  // [B*Hh, blocks, S+G, D]

        SDVariable scores = sd.mmul(qBlk, kBlk, false, true, false);              // [B*Hh, blocks, G, S+G]
        SDVariable mask = sd.constant(name + "_mask",
                Nd4j.create(layout.additiveMask(), new long[]{1, blocks, g, w}, DataType.FLOAT));
        SDVariable probs = sd.nn.softmax(scores.add(mask), 3);
        SDVariable out = sd.mmul(probs, vBlk, false, false, false)                // [B*Hh, blocks, G, D]
                .reshape(batch, hh, layout.slots(), d);
        return fromSlots(sd, out, layout);
    }

    /** [B, Hh, N, D] -> [B*Hh, blocks, S+G, D]: each block's slots, preceded by the S sink positions. */
    private static SDVariable withSinks(SameDiff sd, SDVariable x, BlockLayout layout, int batch, int hh, int d) {
        int g = layout.group();
        int s = layout.sinks();
        int blocks = layout.blocks();
        long bh = (long) batch * hh;
        SDVariable slots = toSlots(sd, x, layout, batch, hh, d);
        if (s == 0) {
            return slots.reshape(bh, blocks, g, d);
        }
        SDVariable sink = sliceAxis(sd, x, 2, 0, s, 4).reshape(batch, hh, 1, s, d);  // [B, Hh, 1, S, D]
        SDVariable[] copies = new SDVariable[blocks];
        java.util.Arrays.fill(copies, sink);
        SDVariable sinks = blocks == 1 ? sink : sd.concat(2, copies);                 // [B, Hh, blocks, S, D]
        return sd.concat(3, sinks, slots.reshape(batch, hh, blocks, g, d))           // [B, Hh, blocks, S+G, D]
                .reshape(bh, blocks, layout.width(), d);
    }

    /** [B, Hh, N, D] in position order -> [B, Hh, slots, D] in slot order (zero padding). */
    private static SDVariable toSlots(SameDiff sd, SDVariable x, BlockLayout layout, int batch, int hh, int d) {
        int n = layout.length();
        List<SDVariable> pieces = new ArrayList<>(4);
        if (layout.frontPad() > 0) {
            pieces.add(sd.zero(null, DataType.FLOAT, batch, hh, layout.frontPad(), d));
        }
        if (layout.kind() == BlockLayout.Kind.SHIFT_WRAP && layout.half() > 0) {
            // slot s holds position (s + half) mod n: roll left by half
            pieces.add(sliceAxis(sd, x, 2, layout.half(), n, 4));
            pieces.add(sliceAxis(sd, x, 2, 0, layout.half(), 4));
        } else {
            pieces.add(x);
        }
        if (layout.backPad() > 0) {
            pieces.add(sd.zero(null, DataType.FLOAT, batch, hh, layout.backPad(), d));
        }
        return pieces.size() == 1 ? pieces.get(0) : sd.concat(2, pieces.toArray(new SDVariable[0]));
    }

    /** Inverse of {@link #toSlots}: [B, Hh, slots, D] -> [B, Hh, N, D] in position order. */
    private static SDVariable fromSlots(SameDiff sd, SDVariable x, BlockLayout layout) {
        int n = layout.length();
        if (layout.kind() == BlockLayout.Kind.SHIFT_WRAP && layout.half() > 0) {
            int h = layout.half();
            return sd.concat(2, sliceAxis(sd, x, 2, n - h, n, 4), sliceAxis(sd, x, 2, 0, n - h, 4));
        }
        int from = layout.frontPad();
        if (from == 0 && layout.backPad() == 0) {
            return x;
        }
        return sliceAxis(sd, x, 2, from, from + n, 4);
    }

    /** [B, KVH, N, D] -> [B, KVH * rep, N, D], each kv head repeated for its {@code rep} query heads (HF repeat_kv). */
    static SDVariable repeatKv(SameDiff sd, SDVariable x, int batch, int kvHeads, int rep, int n, int d) {
        if (rep == 1) {
            return x;
        }
        SDVariable x5 = x.reshape(batch, kvHeads, 1, n, d);
        SDVariable[] copies = new SDVariable[rep];
        java.util.Arrays.fill(copies, x5);
        return sd.concat(2, copies).reshape(batch, (long) kvHeads * rep, n, d);
    }

    private static SDVariable headSlice(SameDiff sd, SDVariable x, int from, int to) {
        return sliceAxis(sd, x, 1, from, to, 4);
    }

    /** x[..., from:to, ...] along {@code axis} of a rank-{@code rank} variable. */
    static SDVariable sliceAxis(SameDiff sd, SDVariable x, int axis, long from, long to, int rank) {
        long[] begin = new long[rank];
        long[] end = new long[rank];
        long[] strides = new long[rank];
        int endMask = 0;
        for (int i = 0; i < rank; i++) {
            strides[i] = 1;
            if (i != axis) {
                endMask |= 1 << i; // whole axis
            }
        }
        begin[axis] = from;
        end[axis] = to;
        return sd.stridedSlice(x, begin, end, strides, 0, endMask, 0, 0, 0);
    }
}
