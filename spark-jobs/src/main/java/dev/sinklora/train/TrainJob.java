package dev.sinklora.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.io.ModelDirectory;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.lora.AdapterTrainingInfo;
import dev.sinklora.model.lora.LoraAdapter;
import dev.sinklora.model.lora.LoraInit;
import dev.sinklora.model.lora.TrainableExtra;
import dev.sinklora.model.plot.LinePlot;
import dev.sinklora.spark.FrozenBaseCache;
import dev.sinklora.spark.HadoopModelDirectory;
import dev.sinklora.spark.SparkErrors;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code sinklora train}: LoRA fine-tuning with SF-Attn (or another pattern) on Spark, by
 * parameter averaging. Driver: builds the layer configuration (the base travels as a URI only),
 * initialises or restores the trainable tensors, then per averaging round hands the round's
 * minibatches to the {@link AveragingTrainer}, logs one line, appends metrics, and checkpoints.
 */
public final class TrainJob {

    private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String METRICS_FILE = "metrics.jsonl";
    public static final String LOSS_PLOT = "loss.png";

    private TrainJob() {
    }

    /** What a finished run reports. */
    public record Result(String out, long steps, long rounds, double firstLoss, double lastLoss, long tokensSeen,
                         double seconds, long broadcastBytesPerRound, int workers, int seqLen, double ropeFactor,
                         AttentionPattern pattern) {
    }

    public static Result run(SparkSession spark, TrainOptions o) throws IOException {
        try {
            return execute(spark, o);
        } catch (IOException | TrainingDivergedException e) {
            throw e;
        } catch (Exception e) {
            throw SparkErrors.unwrap(e); // a bad row found inside a task surfaces as its one-line message
        }
    }

    private static Result execute(SparkSession spark, TrainOptions o) throws IOException {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = sc.hadoopConfiguration();
        String baseUri = HadoopModelDirectory.of(o.base(), conf).describe();
        ModelDirectory outDir = HadoopModelDirectory.of(o.out(), conf);
        CheckpointStore store = new CheckpointStore(outDir);

        String resumeFrom = prepareOutput(outDir, store, o);
        LlamaModel base = FrozenBaseCache.get(baseUri, conf);
        LlamaConfig c = base.config();
        if (c.tieWordEmbeddings() && o.trainable().contains(TrainableExtra.EMBED)) {
            throw new BadInputException("--trainable embed: " + baseUri + " ties lm_head to the embedding"
                    + " (tie_word_embeddings); training the input embedding alone would untie them");
        }
        DataInfo data = DataInfo.read(HadoopModelDirectory.of(o.data(), conf), c);
        int seqLen = o.seqLen() != null ? o.seqLen() : data.seqLen();
        double ropeFactor = o.ropeFactor() != null ? o.ropeFactor() : defaultRopeFactor(c, seqLen);
        AttentionPattern pattern = AttentionPattern.of(o.attention(), seqLen, o.groupSize(), o.sinkTokens());
        int workers = workers(o, sc);
        int perRound = workers * o.averagingFrequency();

        TrainingExamples examples = TrainingExamples.load(spark, data, seqLen, o.batchSize(), o.seed());
        if (o.overwrite() && !o.resume()) {
            outDir.deleteRecursively(); // only once the data passed its checks: a refused run loses nothing
        }
        long rounds = o.maxSteps() != null
                ? ceilDiv(o.maxSteps(), o.averagingFrequency())
                : ceilDiv((o.epochs() == null ? 1 : o.epochs()) * examples.batchCount(), perRound);
        JsonNode hyper = hyperparameters(o, baseUri, data, seqLen, ropeFactor, pattern, workers);
        LOG.info("train: base {} ({} layers, hidden {}), data {} ({} examples, {} minibatches of {}), seq-len {}, "
                        + "attention {}, rope factor {}, {} workers x {} local steps per round, {} rounds",
                baseUri, c.numHiddenLayers(), c.hiddenSize(), data.trainUri(), examples.exampleCount(),
                examples.batchCount(), o.batchSize(), seqLen, pattern, ropeFactor, workers, o.averagingFrequency(), rounds);

        SinkLoraLayer layer = layer(o, baseUri, seqLen, pattern, ropeFactor);
        ComputationGraph net = new ComputationGraph(networkConfig(o, layer));
        net.init();
        Map<String, INDArray> table = paramTable(net);
        TrainableParams trainable = new TrainableParams(c, layer.loraConfig());
        AdapterTrainingInfo info = new AdapterTrainingInfo(ropeFactor, pattern, seqLen);

        long startRound = 0;
        long tokensSeen = 0;
        double elapsedBefore = 0;
        List<JsonNode> metrics = new ArrayList<>();
        Dl4jParameterAveragingTrainer trainer =
                new Dl4jParameterAveragingTrainer(sc, net, o.batchSize(), o.averagingFrequency(), workers);
        if (resumeFrom != null) {
            CheckpointStore.Saved saved = store.load(resumeFrom);
            checkSameRun(saved.state().hyperparameters(), hyper, resumeFrom);
            trainer.restore(saved.params(), saved.optimizerState(), saved.state().iteration(), saved.state().epoch());
            startRound = saved.state().round();
            tokensSeen = saved.state().tokensSeen();
            elapsedBefore = saved.state().elapsedSeconds();
            metrics.addAll(readMetrics(outDir, startRound));
            LOG.info("train: resumed from {} (step {}, loss {})", resumeFrom, saved.state().step(), saved.state().loss());
        } else {
            LoraAdapter init = LoraInit.create(c, layer.loraConfig(), o.seed(), name -> base.weights().get(name), info);
            trainable.assign(init, table);
        }

        long[] tokensPerBatch = examples.lossTokensPerBatch();
        long t0 = System.nanoTime();
        double firstLoss = Double.NaN;
        double loss = Double.NaN;
        long lastSavedStep = startRound * o.averagingFrequency();
        for (long r = startRound; r < rounds; r++) {
            long step = (r + 1) * o.averagingFrequency();
            sc.setJobDescription(String.format("train round %d/%d (step %d)", r + 1, rounds, step));
            long rt = System.nanoTime();
            trainer.fitRound(examples.round(r, perRound, workers));
            double secs = (System.nanoTime() - rt) / 1e9;
            loss = trainer.lastLoss();
            double appliedLr = checkSchedule(o, trainer.lastRoundSteps(), r);
            if (!Double.isFinite(loss)) {
                throw new TrainingDivergedException("loss became " + loss + " in round " + (r + 1) + " (step " + step
                        + "); stopped, keeping the last good checkpoint " + store.latestStep().orElse("(none)")
                        + " in " + outDir.describe() + "; try a lower --learning-rate");
            }
            if (Double.isNaN(firstLoss)) {
                firstLoss = loss;
            }
            long roundTokens = 0;
            for (long g = r * perRound; g < (r + 1) * perRound; g++) {
                roundTokens += tokensPerBatch[(int) (g % tokensPerBatch.length)];
            }
            tokensSeen += roundTokens;
            double elapsed = elapsedBefore + (System.nanoTime() - t0) / 1e9;
            double eta = (System.nanoTime() - t0) / 1e9 / (r + 1 - startRound) * (rounds - r - 1);
            LOG.info(String.format("step %d/%d | round %d/%d | loss %.4f | %.0f tok/s | elapsed %s | eta %s",
                    step, rounds * o.averagingFrequency(), r + 1, rounds, loss, roundTokens / secs,
                    hms(elapsed), hms(eta)));
            ObjectNode m = JSON.createObjectNode();
            m.put("step", step);
            m.put("round", r + 1);
            m.put("loss", loss);
            m.put("tokens", roundTokens);
            m.put("tokens_per_s", roundTokens / secs);
            m.put("learning_rate", appliedLr); // as the workers applied it at the round's last step
            m.put("elapsed_s", elapsed);
            metrics.add(m);
            writeMetrics(outDir, metrics);

            boolean last = r == rounds - 1;
            if (step / o.saveEvery() > lastSavedStep / o.saveEvery() || last) {
                TrainerState state = state(net, step, r + 1, tokensSeen, loss, elapsed, hyper);
                LoraAdapter adapter = trainable.toAdapter(table, layer.loraConfig(), info);
                store.save(CheckpointStore.stepName(step), adapter, trainer.params(), trainer.optimizerState(), state);
                lastSavedStep = step;
                if (last) {
                    store.save(CheckpointStore.FINAL, adapter, trainer.params(), trainer.optimizerState(), state);
                }
            }
        }
        writeLossPlot(outDir, metrics);
        examples.release();
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Result(outDir.describe(), rounds * o.averagingFrequency(), rounds, firstLoss, loss, tokensSeen,
                seconds, trainer.broadcastBytesPerRound(), workers, seqLen, ropeFactor, pattern);
    }

    /**
     * The data-parallel workers: {@code --workers}, or every task slot. Parameter averaging runs all workers of a round
     * at once (each holds a network copy), so more workers than the application has task slots would queue behind
     * each other, every round, and hold their shuffle data meanwhile: refused, naming the slots it has.
     */
    static int workers(TrainOptions o, JavaSparkContext sc) {
        int slots = sc.defaultParallelism();
        if (o.workers() == null) {
            return slots;
        }
        if (o.workers() > slots) {
            throw new BadInputException("--workers " + o.workers() + ": this Spark application has " + slots
                    + " task slots (master " + sc.master() + "; spark.default.parallelism or the executors' cores);"
                    + " use at most " + slots + ", or add executors (with dynamic allocation, set"
                    + " spark.default.parallelism to the slots the run will have)");
        }
        return o.workers();
    }

    /** Without --resume: refuse an existing run unless --overwrite. With it: the newest checkpoint, or a fresh start. */
    private static String prepareOutput(ModelDirectory outDir, CheckpointStore store, TrainOptions o) throws IOException {
        boolean exists = outDir.exists() && !(outDir.listFiles().isEmpty() && outDir.listDirectories().isEmpty());
        if (o.resume()) {
            String latest = store.latestStep().orElse(null);
            if (latest == null) {
                LOG.info("train: --resume found no checkpoint in {}; starting from scratch", outDir.describe());
            }
            return latest;
        }
        if (exists) {
            if (!o.overwrite()) {
                throw new BadInputException(outDir.describe() + " already exists; use --resume to continue it or"
                        + " --overwrite to replace it");
            }
        }
        return null;
    }

    public static SinkLoraLayer layer(TrainOptions o, String baseUri, int seqLen, AttentionPattern pattern, double ropeFactor) {
        SinkLoraLayer layer = new SinkLoraLayer();
        layer.setBaseUri(baseUri);
        layer.setBatchSize(o.batchSize());
        layer.setSeqLen(seqLen);
        layer.setAttention(pattern.mode().cliName());
        layer.setGroupSize(pattern.groupSize());
        layer.setSinkTokens(pattern.sinkTokens());
        layer.setRopeFactor(ropeFactor);
        layer.setLoraR(o.lora().r());
        layer.setLoraAlpha(o.lora().alpha());
        layer.setTargets(new ArrayList<>(o.lora().targets()));
        layer.setTrainable(new ArrayList<>(o.trainableNames()));
        layer.setRecompute(o.recompute().cliName());
        return layer;
    }

    /** AdamW(0.9, 0.999, 1e-8), constant learning rate after a linear warmup, global L2 clipping at 1.0. */
    public static ComputationGraphConfiguration networkConfig(TrainOptions o, SinkLoraLayer layer) {
        Map<Integer, Double> schedule = new HashMap<>();
        for (int i = 0; i <= o.warmupSteps(); i++) {
            schedule.put(i, learningRateAt(o, i));
        }
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder()
                .seed(o.seed())
                .dataType(DataType.FLOAT)

                .updater(Adam.builder().learningRateSchedule(new MapSchedule(ScheduleType.ITERATION, schedule))
                        .beta1(0.9).beta2(0.999).epsilon(1e-8).build())
                // one layer holds every trainable tensor, so per-layer clipping is global-norm clipping
                .gradientNormalization(GradientNormalization.ClipL2PerLayer)
                .gradientNormalizationThreshold(1.0);
        if (o.weightDecay() > 0) {
            b.weightDecay(o.weightDecay(), true); // decoupled (AdamW): w -= lr * wd * w
        }
        var g = b.graphBuilder().addInputs("ids");
        if (o.trainable().contains(TrainableExtra.EMBED)) {
            // LoRA+ embeddings: a DL4J embedding layer (its own, working backward pass) in front of the
            // model layer; initialised from the base by the trainer, never from the configuration
            LlamaConfig c = FrozenBaseCache.get(layer.getBaseUri()).config();
            // no setInputTypes here: DL4J's shape inference would overwrite the embedding's nIn (vocab) with 1
            g.addLayer("embed", new EmbeddingSequenceLayer.Builder().nIn(c.vocabSize()).nOut(c.hiddenSize())
                            .inputLength(layer.getSeqLen()).hasBias(false).outputDataFormat(RNNFormat.NWC).build(), "ids")
                    .addLayer("llama", layer, "embed");
        } else {
            g.setInputTypes(InputType.feedForward(layer.getSeqLen())).addLayer("llama", layer, "ids");
        }
        return g.setOutputs("llama").build();
    }

    /**
     * Checks the optimizer steps the workers report for round {@code r} against the run's schedule: each worker took
     * steps {@code r*f .. (r+1)*f - 1} at the scheduled learning rates. Returns the rate applied at the last step.
     * A mismatch means the workers' optimizer state diverged from the driver's: training on would be silently wrong.
     */
    static double checkSchedule(TrainOptions o, List<WorkerStep> steps, long r) {
        long first = r * o.averagingFrequency();
        long last = first + o.averagingFrequency() - 1;
        double applied = Double.NaN;
        for (WorkerStep s : steps) {
            double expected = learningRateAt(o, s.iteration());
            if (s.iteration() < first || s.iteration() > last
                    || Math.abs(s.learningRate() - expected) > 1e-9 * Math.max(1.0, Math.abs(expected))) {
                throw new IllegalStateException(String.format("round %d: worker %d applied learning rate %g at step %d;"
                                + " the schedule says steps %d..%d at %g", r + 1, s.partition(), s.learningRate(),
                        s.iteration(), first, last, expected));
            }
            if (s.iteration() == last) {
                applied = s.learningRate();
            }
        }
        if (Double.isNaN(applied)) {
            throw new IllegalStateException("round " + (r + 1) + ": no worker reported optimizer step " + last
                    + " (reported: " + steps + ")");
        }
        return applied;
    }

    /** Learning rate of (0-based) optimizer step {@code i}: linear warmup over the first steps, then constant. */
    static double learningRateAt(TrainOptions o, int i) {
        return o.warmupSteps() == 0 ? o.learningRate() : o.learningRate() * Math.min(1.0, (i + 1.0) / o.warmupSteps());
    }

    /** The default linear RoPE factor: seq-len / max_position_embeddings rounded up, when seq-len exceeds it. */
    public static double defaultRopeFactor(LlamaConfig c, int seqLen) {
        double own = c.ropeFactor();
        long needed = ceilDiv(seqLen, c.maxPositionEmbeddings());
        return seqLen > c.maxPositionEmbeddings() ? Math.max(own, needed) : own;
    }

    public static Map<String, INDArray> paramTable(ComputationGraph net) {
        Map<String, INDArray> table = new LinkedHashMap<>();
        net.paramTable().forEach((k, v) -> {
            if (k.startsWith("llama_")) {
                table.put(k.substring("llama_".length()), v);
            } else if (k.equals("embed_W")) {
                table.put(TrainableParams.EMBED_KEY, v);
            } else {
                throw new IllegalStateException("unexpected network parameter " + k);
            }
        });
        return table;
    }

    private static TrainerState state(ComputationGraph net, long step, long round, long tokens, double loss,
                                      double elapsed, JsonNode hyper) {
        return new TrainerState(step, round, tokens, loss, elapsed, net.getConfiguration().getIterationCount(),
                net.getConfiguration().getEpochCount(), hyper);
    }

    private static JsonNode hyperparameters(TrainOptions o, String baseUri, DataInfo data, int seqLen,
                                            double ropeFactor, AttentionPattern p, int workers) {
        ObjectNode h = JSON.createObjectNode();
        h.put("base", baseUri);
        h.put("data", data.trainUri()); // resolved: ./data and /abs/data are the same data
        h.put("data_fingerprint", data.fingerprint()); // and other data at the same path is not
        h.put("attention", p.mode().cliName());
        h.put("group_size", p.groupSize());
        h.put("sink_tokens", p.sinkTokens());
        h.put("seq_len", seqLen);
        h.put("rope_factor", ropeFactor);
        h.put("lora_r", o.lora().r());
        h.put("lora_alpha", o.lora().alpha());
        h.put("lora_dropout", o.lora().dropout());
        h.put("lora_targets", String.join(",", o.lora().targets()));
        h.put("trainable", String.join(",", o.trainableNames()));
        h.put("learning_rate", o.learningRate());
        h.put("warmup_steps", o.warmupSteps());
        h.put("weight_decay", o.weightDecay());
        h.put("batch_size", o.batchSize());
        h.put("averaging_frequency", o.averagingFrequency());
        h.put("workers", workers);
        h.put("seed", o.seed());
        h.put("optimizer", "AdamW(0.9, 0.999, 1e-8), constant LR after linear warmup, grad clip 1.0");
        if (o.maxSteps() != null) h.put("max_steps", o.maxSteps());
        if (o.epochs() != null) h.put("epochs", o.epochs());
        h.put("save_every", o.saveEvery());
        return h;
    }

    /** A resumed run must be the same run: only its length and checkpoint cadence may change. */
    private static void checkSameRun(JsonNode saved, JsonNode now, String checkpoint) {
        var it = now.fieldNames();
        while (it.hasNext()) {
            String f = it.next();
            if (f.equals("max_steps") || f.equals("epochs") || f.equals("save_every")) {
                continue;
            }
            if (saved.get(f) == null || !now.get(f).asText().equals(saved.get(f).asText())) {
                throw new BadInputException("--resume: " + f + " is " + now.get(f) + " but checkpoint " + checkpoint
                        + " was trained with " + saved.get(f));
            }
        }
    }

    private static List<JsonNode> readMetrics(ModelDirectory out, long upToRound) throws IOException {
        List<JsonNode> kept = new ArrayList<>();
        if (!out.hasFile(METRICS_FILE)) {
            return kept;
        }
        for (String line : new String(out.readAll(METRICS_FILE), StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                JsonNode m = JSON.readTree(line);
                if (m.get("round").asLong() <= upToRound) {
                    kept.add(m);
                }
            }
        }
        return kept;
    }

    private static void writeMetrics(ModelDirectory out, List<JsonNode> metrics) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (JsonNode m : metrics) {
            sb.append(JSON.writeValueAsString(m)).append('\n');
        }
        try (OutputStream os = out.create(METRICS_FILE)) {
            os.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void writeLossPlot(ModelDirectory out, List<JsonNode> metrics) throws IOException {
        double[] steps = new double[metrics.size()];
        double[] losses = new double[metrics.size()];
        for (int i = 0; i < metrics.size(); i++) {
            steps[i] = metrics.get(i).get("step").asDouble();
            losses[i] = metrics.get(i).get("loss").asDouble();
        }
        byte[] png = LinePlot.png(List.of(new LinePlot.Panel("training loss per averaging round", "step", "loss",
                List.of(new LinePlot.Series("loss", steps, losses, new java.awt.Color(0x1f77b4), false)))));
        try (OutputStream os = out.create(LOSS_PLOT)) {
            os.write(png);
        }
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    static String hms(double seconds) {
        long s = Math.max(0, Math.round(seconds));
        return String.format("%02d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }
}
