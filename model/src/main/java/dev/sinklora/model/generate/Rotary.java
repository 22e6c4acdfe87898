package dev.sinklora.model.generate;

import dev.sinklora.model.llama.Rope;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Eager HF rotate-half RoPE for a run of consecutive positions, with the tables of {@link Rope}
 * (llama3 frequencies and linear position interpolation included): {@code x * cos + rotate_half(x) * sin}, where
 * {@code rotate_half} is one exact matmul with a signed permutation matrix.
 */
final class Rotary {

    private final int headDim;
    private final INDArray rotateHalf;    // [D, D]: x @ R == cat(-x[D/2:], x[:D/2])
    private final Rope rope;

    Rotary(int headDim, Rope rope) {
        this.headDim = headDim;
        this.rope = rope;
        int half = headDim / 2;
        float[] r = new float[headDim * headDim];
        for (int i = 0; i < half; i++) {
            r[(i + half) * headDim + i] = -1f;   // out[i] = -x[i + half]
            r[i * headDim + i + half] = 1f;      // out[i + half] = x[i]
        }
        this.rotateHalf = Nd4j.create(r, new long[]{headDim, headDim}, DataType.FLOAT);
    }

    /**
     * cos and sin tables for positions {@code start .. start+n-1}, tiled over {@code heads}, times {@code scale}
     * (RoPE is linear, so scaling the tables scales the result, e.g. by 1/sqrt(D) for queries): [n, heads*D] each.
     */
    Tables tables(int start, int n, int heads, double scale) {
        return new Tables(tile(rope.cos(start, n), n, heads, (float) scale),
                tile(rope.sin(start, n), n, heads, (float) scale));
    }

    /**
     * @param x [n, heads*D] projections of n consecutive positions (row t: position start + t)
     * @return  [n, heads*D] with RoPE applied
     */
    INDArray apply(INDArray x, Tables t) {
        long n = x.size(0);
        long heads = x.size(1) / headDim;
        INDArray rotated = x.reshape(n * heads, headDim).mmul(rotateHalf).reshape(n, heads * headDim);
        return x.mul(t.cos).addi(rotated.muli(t.sin));
    }

    private INDArray tile(float[] table, int n, int heads, float scale) {
        int d = headDim;
        if (scale != 1f) {
            for (int i = 0; i < table.length; i++) {
                table[i] *= scale;
            }
        }
        float[] out = new float[n * heads * d];
        for (int t = 0; t < n; t++) {
            for (int h = 0; h < heads; h++) {
                System.arraycopy(table, t * d, out, (t * heads + h) * d, d);
            }
        }
        return Nd4j.create(out, new long[]{n, (long) heads * d}, DataType.FLOAT);
    }

    /** cos / sin tables, [n, heads*D] each. */
    record Tables(INDArray cos, INDArray sin) {
    }
}
