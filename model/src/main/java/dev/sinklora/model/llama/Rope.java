package dev.sinklora.model.llama;

import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.config.RopeScaling;

/**
 * Rotary position tables in the HF rotate-half convention. Inverse frequencies {@code theta^(-2i/D)} in FP32 as HF
 * computes them, rescaled per wavelength when the config has llama3 scaling; positions divided by the linear
 * interpolation factor: {@code angle(t, i) = (t / factor) * invFreq[i]}; {@code cos}/{@code sin} laid out
 * {@code [N, D]} with the half-table repeated ({@code cat(freqs, freqs)}). The model core and the incremental
 * decoder both take their tables from here.
 */
public final class Rope {

    private final int headDim;
    private final float[] invFreq;        // [D/2]
    private final double factor;

    /**
     * @param llama3 llama3 frequency scaling, or null
     * @param factor linear position-interpolation factor (1 = none)
     */
    public Rope(int headDim, double theta, RopeScaling.Llama3 llama3, double factor) {
        this.headDim = headDim;
        float[] f = defaultInvFreq(headDim, theta);
        this.invFreq = llama3 == null ? f : llama3(f, llama3);
        this.factor = factor;
    }

    /** The config's frequencies (rope_theta, llama3 scaling) with linear interpolation {@code factor} on top. */
    public static Rope of(LlamaConfig c, double factor) {
        return new Rope(c.headDim(), c.ropeTheta(), c.ropeScaling() == null ? null : c.ropeScaling().llama3(), factor);
    }

    /** The config's frequencies and its own linear factor. */
    public static Rope of(LlamaConfig c) {
        return of(c, c.ropeFactor());
    }

    /** The inverse frequencies, [D/2] (a copy). */
    public float[] invFreq() {
        return invFreq.clone();
    }

    /** {@code [n, headDim]} cos table, C order, for positions {@code start .. start+n-1}. */
    public float[] cos(int start, int n) {
        return table(start, n, true);
    }

    /** {@code [n, headDim]} sin table, C order, for positions {@code start .. start+n-1}. */
    public float[] sin(int start, int n) {
        return table(start, n, false);
    }

    private float[] table(int start, int n, boolean cos) {
        int d = headDim;
        int half = d / 2;
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

    /** {@code theta^(-2i/D)}, [D/2]. */
    private static float[] defaultInvFreq(int d, double theta) {
        float[] invFreq = new float[d / 2];
        for (int i = 0; i < invFreq.length; i++) {
            invFreq[i] = (float) (1.0 / Math.pow(theta, (float) (2 * i) / d));
        }
        return invFreq;
    }

    /**
     * HF's {@code _compute_llama3_parameters}, in FP32 and in its order of operations (a Python scalar meets an
     * FP32 tensor as FP32; {@code scalar / tensor} is {@code reciprocal(tensor) * scalar}). With
     * {@code wavelen = 2 pi / f}: below {@code original / high_freq_factor} f is kept, above
     * {@code original / low_freq_factor} it is divided by {@code factor}, in between
     * {@code (1 - s) f / factor + s f} with {@code s = (original / wavelen - low) / (high - low)}.
     *
     * @param invFreq [D/2] default inverse frequencies
     * @return        [D/2] rescaled
     */
    private static float[] llama3(float[] invFreq, RopeScaling.Llama3 p) {
        float factor = (float) p.factor();
        float old = p.originalMaxPositionEmbeddings();
        float low = (float) p.lowFreqFactor();
        float lowWavelen = (float) (p.originalMaxPositionEmbeddings() / p.lowFreqFactor());
        float highWavelen = (float) (p.originalMaxPositionEmbeddings() / p.highFreqFactor());
        float span = (float) (p.highFreqFactor() - p.lowFreqFactor());
        float twoPi = (float) (2 * Math.PI);
        float[] out = new float[invFreq.length];
        for (int i = 0; i < invFreq.length; i++) {
            float f = invFreq[i];
            float wavelen = (1f / f) * twoPi;
            float scaled = wavelen > lowWavelen ? f / factor : f;
            boolean medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
            if (medium) {
                float s = ((1f / wavelen) * old - low) / span;
                scaled = (1f - s) * scaled / factor + s * scaled;
            }
            out[i] = scaled;
        }
        return out;
    }
}
