package dev.sinklora.model.attention;

/**
 * How one class of heads (plain or shifted) is cut into attention blocks for a sequence of
 * {@code n} tokens: each position {@code t} gets a slot, slots are grouped {@code G} at a time
 * into blocks, and a query reads the keys of its own block whose slot is not after its own, plus
 * the sink keys that rule allows and the block does not already hold.
 *
 * <pre>
 *   plain               slot(t) = t
 *   shifted, reassembled slot(t) = t + half   (front padding of half slots: segments [0,G-half), ...)
 *   shifted, wrap        slot(t) = (t - half) mod n   (LongLoRA's roll)
 * </pre>
 * Slots beyond the real positions are padding: masked as keys, discarded as queries.
 */
public final class BlockLayout {

    /** Large negative additive mask value; exp() of it underflows to exactly 0 in FP32. */
    public static final float MASKED = -1e9f;

    public enum Kind { PLAIN, SHIFT_WRAP, SHIFT_REASSEMBLED }

    private final Kind kind;
    private final int n;
    private final int group;
    private final int sinks;
    private final int half;
    private final int blocks;
    private final int[] positionOfSlot; // -1 for padding slots
    private final int[] slotOfPosition;

    public BlockLayout(Kind kind, int n, int group, int sinks) {
        if (n < 1 || group < 1 || sinks < 0) {
            throw new IllegalArgumentException("n=" + n + " group=" + group + " sinks=" + sinks);
        }
        this.kind = kind;
        this.n = n;
        this.group = group;
        this.sinks = Math.min(sinks, n);
        this.half = kind == Kind.PLAIN ? 0 : group / 2;
        int slots = kind == Kind.SHIFT_REASSEMBLED ? n + half : n;
        this.blocks = (slots + group - 1) / group;
        this.positionOfSlot = new int[blocks * group];
        java.util.Arrays.fill(positionOfSlot, -1);
        this.slotOfPosition = new int[n];
        for (int t = 0; t < n; t++) {
            int slot = switch (kind) {
                case PLAIN -> t;
                case SHIFT_REASSEMBLED -> t + half;
                case SHIFT_WRAP -> Math.floorMod(t - half, n);
            };
            slotOfPosition[t] = slot;
            positionOfSlot[slot] = t;
        }
    }

    /** The layout of the plain (unshifted) heads: {@code h < H/2}, or all heads for full attention. */
    public static BlockLayout plain(AttentionPattern p, int n) {
        if (p.mode() == AttentionMode.FULL) {
            return new BlockLayout(Kind.PLAIN, n, n, 0);
        }
        return new BlockLayout(Kind.PLAIN, n, p.groupSize(), p.sinkTokens());
    }

    /** The layout of the shifted heads {@code h >= H/2}. */
    public static BlockLayout shifted(AttentionPattern p, int n) {
        if (p.mode() == AttentionMode.FULL) {
            throw new IllegalArgumentException("full attention has no shifted heads");
        }
        return new BlockLayout(p.reassembled() ? Kind.SHIFT_REASSEMBLED : Kind.SHIFT_WRAP,
                n, p.groupSize(), p.sinkTokens());
    }

    public Kind kind() { return kind; }
    public int length() { return n; }
    public int group() { return group; }
    /** Effective sink count: {@code min(S, n)}. */
    public int sinks() { return sinks; }
    public int half() { return half; }
    public int blocks() { return blocks; }
    /** Number of slots, {@code blocks * group}. */
    public int slots() { return blocks * group; }
    /** Key columns per block: {@code S + G}. */
    public int width() { return sinks + group; }
    /** Slots of padding before position 0's slot (only reassembled shifted heads have any). */
    public int frontPad() { return kind == Kind.SHIFT_REASSEMBLED ? half : 0; }
    /** Slots of padding after the last real slot. */
    public int backPad() { return slots() - frontPad() - n; }
    public int positionOfSlot(int slot) { return positionOfSlot[slot]; }
    public int slotOfPosition(int t) { return slotOfPosition[t]; }

    /** Whether the window (not the sink rule) lets query position {@code i} read key position {@code j}. */
    public boolean windowAllows(int i, int j) {
        int si = slotOfPosition[i];
        int sj = slotOfPosition[j];
        return si / group == sj / group && sj <= si;
    }

    /**
     * The additive mask, {@code [blocks, G, S + G]} in C order: columns {@code 0..S-1} are the sink
     * keys (positions {@code 0..S-1}), then the block's own {@code G} slots. 0 = visible.
     */
    public float[] additiveMask() {
        int w = width();
        float[] mask = new float[blocks * group * w];
        java.util.Arrays.fill(mask, MASKED);
        for (int b = 0; b < blocks; b++) {
            for (int r = 0; r < group; r++) {
                int i = positionOfSlot[b * group + r];
                if (i < 0) {
                    continue; // padding query: its row is discarded
                }
                int row = (b * group + r) * w;
                for (int j = 0; j < sinks; j++) {
                    // sink rule: j < S and causal, unless the window already gives that key
                    if (j <= i && !windowAllows(i, j)) {
                        mask[row + j] = 0f;
                    }
                }
                for (int c = 0; c <= r; c++) {
                    int j = positionOfSlot[b * group + c];
                    if (j >= 0) {
                        mask[row + sinks + c] = 0f;
                    }
                }
            }
        }
        return mask;
    }
}
