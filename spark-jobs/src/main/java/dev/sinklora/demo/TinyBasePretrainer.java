package dev.sinklora.demo;

import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.io.safetensors.DType;
import dev.sinklora.model.io.safetensors.SafetensorsWriter;
import dev.sinklora.model.llama.LlamaGraph;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.LlamaTensors;
import dev.sinklora.model.llama.Projection;
import dev.sinklora.model.samediff.SameDiffs;
import dev.sinklora.train.TrainingLoss;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Makes the demo's base model: a 2-layer LLaMA trained from scratch at a short context with full
 * attention, through the model core's {@link LlamaGraph} (SameDiff autodiff, Adam written out
 * here). Every weight trains except the token embedding, which stays at its random init
 * (SameDiff 1.0.0-M2.1's gather has no working gradient).
 */
public final class TinyBasePretrainer {

    private static final Logger LOG = LoggerFactory.getLogger(TinyBasePretrainer.class);

    private TinyBasePretrainer() {
    }

    public record Result(LlamaModel model, double firstLoss, double lastLoss, int steps) {
    }

    /** A tiny LLaMA config: hidden 64, 4 heads, 2 layers, {@code vocab} tokens, trained context {@code maxPos}. */
    public static LlamaConfig config(int vocab, int maxPos) {
        return LlamaConfig.parse("""
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64,
                 "intermediate_size": 172, "num_attention_heads": 4, "num_key_value_heads": 4,
                 "num_hidden_layers": 2, "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "rope_scaling": null,
                 "vocab_size": %d, "max_position_embeddings": %d, "bos_token_id": 1, "eos_token_id": 2,
                 "tie_word_embeddings": false, "torch_dtype": "float32", "hidden_act": "silu"}"""
                .formatted(vocab, maxPos), "tiny base config");
    }

    /** Trains on {@code rows} (each exactly {@code n} ids; loss on every next token) for {@code steps} Adam steps. */
    public static Result train(LlamaConfig c, List<int[]> rows, int n, int batch, int steps, double lr, long seed) {
        Random r = new Random(seed);
        Map<String, INDArray> weights = init(c, r);
        SameDiff sd = SameDiff.create();
        SDVariable ids = sd.placeHolder("ids", DataType.INT, (long) batch * n);
        SDVariable labels = sd.placeHolder("labels", DataType.FLOAT, (long) batch * n);      // [T], -1: no loss
        List<String> trained = new ArrayList<>();
        LlamaGraph.Outputs out = LlamaGraph.build(sd, c, (s, name) -> {
            if (name.equals(LlamaTensors.EMBED)) {
                return s.constant(name, weights.get(name));
            }
            trained.add(name);
            return s.var(name, weights.get(name));
        }, Projection.PLAIN, ids, batch, n, AttentionPattern.FULL, 1.0);
        // the mean NLL over the targets; TrainingLoss, because M2.1's sparseSoftmaxCrossEntropy backward ignores the mask
        SDVariable loss = TrainingLoss.loss(TrainingLoss.targetNll(sd, out.logits(), labels, c.vocabSize()), 1);
        sd.setLossVariables(loss);
        SameDiffs.createGradFunctionQuietly(sd);

        Map<String, INDArray> m = new HashMap<>();
        Map<String, INDArray> v = new HashMap<>();
        for (String name : trained) {
            m.put(name, Nd4j.zerosLike(weights.get(name)));
            v.put(name, Nd4j.zerosLike(weights.get(name)));
        }
        double first = Double.NaN;
        double last = Double.NaN;
        long t0 = System.nanoTime();
        for (int step = 1; step <= steps; step++) {
            int[] idBuf = new int[batch * n];
            float[] labelBuf = new float[batch * n];
            for (int b = 0; b < batch; b++) {
                int[] row = rows.get(r.nextInt(rows.size()));
                for (int t = 0; t < n; t++) {
                    idBuf[b * n + t] = row[t];
                    labelBuf[b * n + t] = t + 1 < n ? row[t + 1] : -1f;
                }
            }
            Map<String, INDArray> ph = Map.of(
                    "ids", Nd4j.createFromArray(idBuf),
                    "labels", Nd4j.createFromArray(labelBuf));
            var grads = sd.calculateGradientsAndOutputs(ph, List.of(loss.name()), trained);
            double l = grads.getOutputs().get(loss.name()).getDouble(0);
            if (step == 1) {
                first = l;
            }
            last = l;
            double lrt = lr * Math.min(1.0, step / 50.0);
            for (String name : trained) {
                INDArray g = grads.getGradients().get(name);
                INDArray mm = m.get(name).muli(0.9).addi(g.mul(0.1));
                INDArray vv = v.get(name).muli(0.999).addi(g.mul(g).muli(0.001));
                double bc1 = 1 - Math.pow(0.9, step);
                double bc2 = 1 - Math.pow(0.999, step);
                INDArray update = mm.div(bc1).divi(Transforms.sqrt(vv.div(bc2), true).addi(1e-8)).muli(lrt);
                sd.getArrForVarName(name).subi(update);
            }
            if (step % 100 == 0 || step == steps) {
                LOG.info(String.format("pretrain step %d/%d | loss %.4f | %.0f tok/s | elapsed %.0fs", step, steps, l,
                        (double) step * batch * n / ((System.nanoTime() - t0) / 1e9), (System.nanoTime() - t0) / 1e9));
            }
        }
        Map<String, INDArray> finalWeights = new LinkedHashMap<>();
        for (String name : LlamaTensors.names(c)) {
            finalWeights.put(name, name.equals(LlamaTensors.EMBED) ? weights.get(name) : sd.getArrForVarName(name).dup());
        }
        return new Result(new LlamaModel(c, finalWeights), first, last, steps);
    }

    /** Writes {@code dir/config.json} + {@code dir/model.safetensors} (F32). */
    public static void save(LlamaModel model, Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), model.config().toJson());
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (String name : LlamaTensors.names(model.config())) {
            INDArray w = model.weights().get(name);
            entries.add(new SafetensorsWriter.Entry(name, DType.F32, w.shape(), () -> w));
        }
        SafetensorsWriter.write(dir.resolve("model.safetensors"), entries, Map.of("format", "pt"));
    }

    private static Map<String, INDArray> init(LlamaConfig c, Random r) {
        Nd4j.getRandom().setSeed(r.nextLong());
        Map<String, INDArray> w = new LinkedHashMap<>();
        for (String name : LlamaTensors.names(c)) {
            long[] shape = LlamaTensors.shape(c, name);
            if (name.endsWith("norm.weight")) {
                w.put(name, Nd4j.ones(DataType.FLOAT, shape));
            } else if (name.equals(LlamaTensors.EMBED)) {
                w.put(name, Nd4j.randn(DataType.FLOAT, shape));                             // [vocab, hidden]
            } else {
                w.put(name, Nd4j.randn(DataType.FLOAT, shape).muli(1.0 / Math.sqrt(shape[1]))); // [out, in]
            }
        }
        return w;
    }
}
