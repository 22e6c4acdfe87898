package dev.sinklora.model.llama;

/**
 * Rotary position tables in the HF rotate-half convention, with linear position interpolation:
 * {@code angle(t, i) = (t / factor) * theta^(-2i/D)}, computed in FP32 as HF does, then
 * {@code cos}/{@code sin} laid out {@code [N, D]} with the half-table repeated ({@code cat(freqs, freqs)}).
 */
public final class Rope {

    private Rope() {
    }

    /** {@code [n, headDim]} cos table, C order, for positions {@code start .. start+n-1}. */
    public static float[] cos(int start, int n, int headDim, double theta, double factor) {
        return table(start, n, headDim, theta, factor, true);
    }

    /** {@code [n, headDim]} sin table, C order, for positions {@code start .. start+n-1}. */
    public static float[] sin(int start, int n, int headDim, double theta, double factor) {
        return table(start, n, headDim, theta, factor, false);
    }

    private static float[] table(int start, int n, int d, double theta, double factor, boolean cos) {
        int half = d / 2;
        float[] invFreq = new float[half];
        for (int i = 0; i < half; i++) {
            invFreq[i] = (float) (1.0 / Math.pow(theta, (float) (2 * i) / d));
        }
        float[] out = new float[n * d];
        for (int t = 0; t < n; t++) {
            float pos = (float) (start + t) / (float) factor;
            for (int i = 0; i < half; i++) {
                float angle = pos * invFreq[i];
                float v = (float) (cos ? Math.cos(angle) : Math.sin(angle));
                out[t * d + i] = v;
                out[t * d + half + i] = v;
            }
        }
        return out;
    }
}
