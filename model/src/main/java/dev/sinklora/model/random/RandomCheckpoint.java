package dev.sinklora.model.random;

import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.io.DirectoryCommit;
import dev.sinklora.model.io.ModelDirectory;
import dev.sinklora.model.io.safetensors.DType;
import dev.sinklora.model.io.safetensors.SafetensorsWriter;
import dev.sinklora.model.llama.LlamaTensors;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a Hugging Face checkpoint of {@link RandomLlama} weights (config.json + model.safetensors, or
 * shards and an index past {@code maxShardBytes}) one tensor at a time: each is drawn when the writer
 * asks for it and freed when the next is drawn, so memory holds one FP32 tensor, never the model. The
 * values equal {@code RandomLlama.weights(config, seed, gain)} rounded to {@code dtype}. Written under a
 * hidden name and renamed when complete ({@link DirectoryCommit}).
 */
public final class RandomCheckpoint {

    /** What was written: files in writing order, parameter count, stored bytes, the largest tensor in FP32. */
    public record Result(String out, List<String> files, long parameters, long storedBytes, long largestTensorBytes) {
    }

    private RandomCheckpoint() {
    }

    public static Result write(ModelDirectory out, LlamaConfig config, DType dtype, long seed, double gain,
                               long maxShardBytes, boolean overwrite) throws IOException {
        return DirectoryCommit.write(out, overwrite, tmp -> {
            Producer producer = new Producer(config, seed, gain);
            List<SafetensorsWriter.Entry> entries = new ArrayList<>();
            long parameters = 0;
            long largest = 0;
            for (String name : LlamaTensors.names(config)) {
                long[] shape = LlamaTensors.shape(config, name);
                SafetensorsWriter.Entry e = new SafetensorsWriter.Entry(name, dtype, shape, () -> producer.produce(name));
                entries.add(e);
                parameters += e.numel();
                largest = Math.max(largest, e.numel() * Float.BYTES);
            }
            List<String> files;
            try {
                files = new ArrayList<>(SafetensorsWriter.writeSharded(tmp::create, entries, maxShardBytes,
                        Map.of("format", "pt")));
            } finally {
                producer.release();
            }
            try (OutputStream os = tmp.create(LlamaConfig.FILE_NAME)) {
                os.write(config.toJson(dtype).getBytes(StandardCharsets.UTF_8));
            }
            files.add(LlamaConfig.FILE_NAME);
            return new Result(out.describe(), files, parameters, parameters * dtype.byteSize(), largest);
        });
    }

    /** Draws the tensors in {@link LlamaTensors#names} order from one stream, freeing each when the next is drawn. */
    private static final class Producer {
        private final LlamaConfig config;
        private final SplittableRandom rnd;
        private final double gain;
        private final List<String> order;
        private int next;
        private INDArray current;

        Producer(LlamaConfig config, long seed, double gain) {
            this.config = config;
            this.rnd = new SplittableRandom(seed);
            this.gain = gain;
            this.order = LlamaTensors.names(config);
        }

        INDArray produce(String name) {
            if (next >= order.size() || !order.get(next).equals(name)) {
                throw new IllegalStateException("tensor '" + name + "' requested out of order (expected '"
                        + (next < order.size() ? order.get(next) : "none") + "')");
            }
            next++;
            release();
            current = RandomLlama.tensor(rnd, config, name, gain);
            return current;
        }

        void release() {
            if (current != null && current.closeable()) {
                current.close();
            }
            current = null;
        }
    }
}
