package dev.sinklora.bench;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * ND4J's FP32 matrix-multiply throughput in this JVM: {@code [m, k] x [k, n]} into a preallocated
 * output, warm-up runs first, then the median of timed runs. Holds one measurement; the MFU
 * denominator of {@code bench-train}.
 *
 * @param label          what the shape stands for (e.g. {@code square}, {@code mlp})
 * @param medianMillis   median wall time of one product
 * @param gflops         {@code 2*m*n*k / median} in GFLOP/s
 */
public record SgemmBenchmark(String label, int m, int n, int k, double medianMillis, double gflops) {

    public static SgemmBenchmark run(String label, int m, int n, int k, int warmup, int repeats, long seed) {
        if (m < 1 || n < 1 || k < 1 || warmup < 0 || repeats < 1) {
            throw new IllegalArgumentException("m, n, k, repeats must be >= 1 and warmup >= 0");
        }
        Nd4j.getRandom().setSeed(seed);
        INDArray a = Nd4j.rand(DataType.FLOAT, m, k);
        INDArray b = Nd4j.rand(DataType.FLOAT, k, n);
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, m, n);
        double[] millis = new double[repeats];
        for (int i = -warmup; i < repeats; i++) {
            long t0 = System.nanoTime();
            a.mmuli(b, out);
            Nd4j.getExecutioner().commit();
            double ms = (System.nanoTime() - t0) / 1e6;
            if (i >= 0) {
                millis[i] = ms;
            }
        }
        double median = median(millis);
        return new SgemmBenchmark(label, m, n, k, median, 2.0 * m * n * k / (median / 1e3) / 1e9);
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int h = s.length / 2;
        return s.length % 2 == 1 ? s[h] : (s[h - 1] + s[h]) / 2;
    }

    public String shape() {
        return m + "x" + k + " * " + k + "x" + n;
    }
}
