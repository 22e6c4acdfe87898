package dev.sinklora.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.io.safetensors.DType;
import dev.sinklora.model.io.safetensors.SafetensorsWriter;
import dev.sinklora.model.random.LlamaPreset;
import dev.sinklora.model.random.RandomCheckpoint;
import dev.sinklora.model.random.RandomLlama;
import dev.sinklora.spark.HadoopConfs;
import dev.sinklora.spark.HadoopModelDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code sinklora random-base}: a LLaMA checkpoint of a given shape with random weights (for memory and speed
 * measurements of real sizes without downloading one), written tensor by tensor.
 */
@Command(name = "random-base", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a Hugging Face LLaMA checkpoint (config.json + model.safetensors, sharded with an index "
                + "past --max-shard-size) with seeded random weights: projections N(0, 1/in), embeddings N(0, 1), "
                + "norms 1 + 0.1 N(0, 1). Tensors are drawn, written and freed one at a time (memory: about one "
                + "FP32 tensor); the directory is written under a hidden name and renamed when complete.",
                "Shape: a --preset (tinyllama-1.1b, llama2-7b, llama2-13b, llama3-8b) and/or explicit sizes, which "
                        + "override it; --layers L alone makes an L-layer slice of the preset.",
                "--out may be a local path or an hdfs:// / s3a:// URI. Prints one JSON object on stdout."})
public final class RandomBaseCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output checkpoint directory")
    String out;

    @Option(names = "--preset", paramLabel = "NAME",
            description = "tinyllama-1.1b, llama2-7b, llama2-13b or llama3-8b (without it, give every size)")
    String preset;

    @Option(names = "--hidden", paramLabel = "H", description = "hidden size")
    Integer hidden;

    @Option(names = "--heads", description = "attention heads")
    Integer heads;

    @Option(names = "--kv-heads", paramLabel = "KVH", description = "key/value heads (default: the preset's, else --heads)")
    Integer kvHeads;

    @Option(names = "--intermediate", paramLabel = "I", description = "MLP intermediate size")
    Integer intermediate;

    @Option(names = "--vocab", paramLabel = "V", description = "vocabulary size")
    Integer vocab;

    @Option(names = "--layers", paramLabel = "L", description = "decoder layers (with a preset: a slice of it)")
    Integer layers;

    @Option(names = "--max-positions", paramLabel = "N",
            description = "max_position_embeddings (default: the preset's, else 4096)")
    Integer maxPositions;

    @Option(names = "--dtype", defaultValue = "BF16", paramLabel = "BF16|F16|F32",
            description = "stored dtype (default: ${DEFAULT-VALUE})")
    String dtype;

    @Option(names = "--seed", defaultValue = "0", description = "weight seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--max-shard-size", defaultValue = "5GB", paramLabel = "SIZE",
            description = "largest safetensors shard, e.g. 500MB, 5GB, 4GiB (default: ${DEFAULT-VALUE})")
    String maxShardSize;

    @Option(names = "--overwrite", description = "replace an existing output directory (default: refuse)")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        LlamaConfig config = config();
        DType type;
        try {
            type = DType.parse(dtype.toUpperCase(Locale.ROOT));
        } catch (BadInputException e) {
            throw new BadInputException("--dtype: " + e.getMessage());
        }
        long maxShardBytes;
        try {
            maxShardBytes = SafetensorsWriter.parseSize(maxShardSize);
        } catch (BadInputException e) {
            throw new BadInputException("--max-shard-size: " + e.getMessage());
        }
        long t0 = System.nanoTime();
        RandomCheckpoint.Result r = RandomCheckpoint.write(HadoopModelDirectory.of(out, HadoopConfs.current()),
                config, type, seed, 1.0, maxShardBytes, overwrite);
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.put("out", r.out());
        json.put("dtype", type.name());
        json.put("hidden_size", config.hiddenSize());
        json.put("num_attention_heads", config.numAttentionHeads());
        json.put("num_key_value_heads", config.numKeyValueHeads());
        json.put("intermediate_size", config.intermediateSize());
        json.put("vocab_size", config.vocabSize());
        json.put("num_hidden_layers", config.numHiddenLayers());
        json.put("parameters", r.parameters());
        json.put("stored_bytes", r.storedBytes());
        json.put("largest_tensor_fp32_bytes", r.largestTensorBytes());
        json.set("files", new ObjectMapper().valueToTree(r.files()));
        json.put("seconds", (System.nanoTime() - t0) / 1e9);
        System.out.println(json);
        return 0;
    }

    /** The preset's shape with the explicit sizes applied, validated option by option. */
    LlamaConfig config() {
        LlamaPreset p = preset == null ? null : LlamaPreset.parse(preset);
        int h = size("--hidden", hidden, p == null ? null : p.hidden);
        int nh = size("--heads", heads, p == null ? null : p.heads);
        int kv = size("--kv-heads", kvHeads, p == null ? nh : p.kvHeads);
        int inter = size("--intermediate", intermediate, p == null ? null : p.intermediate);
        int v = size("--vocab", vocab, p == null ? null : p.vocab);
        int l = size("--layers", layers, p == null ? null : p.layers);
        int maxPos = size("--max-positions", maxPositions, p == null ? 4096 : p.maxPositions);
        if (h % nh != 0 || (h / nh) % 2 != 0) {
            throw new BadInputException("--heads " + nh + " must divide --hidden " + h + " into an even head dimension");
        }
        if (nh % kv != 0) {
            throw new BadInputException("--kv-heads " + kv + " must divide --heads " + nh);
        }
        return RandomLlama.config(h, inter, nh, kv, l, v, maxPos, false, p == null ? 10000.0 : p.ropeTheta);
    }

    private static int size(String option, Integer given, Integer fallback) {
        Integer value = given != null ? given : fallback;
        if (value == null) {
            throw new BadInputException(option + " is required without --preset");
        }
        if (value < 1) {
            throw new BadInputException(option + " must be >= 1, got " + value);
        }
        return value;
    }
}
