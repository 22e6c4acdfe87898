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
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.plot.LinePlot;
import dev.sinklora.spark.FrozenBaseCache;
import dev.sinklora.spark.HadoopModelDirectory;
import dev.sinklora.spark.SparkErrors;
import dev.sinklora.train.config.ModelConfig;
import dev.sinklora.train.config.OptimizerConfig;
import dev.sinklora.train.config.ResumeCheck;
import dev.sinklora.train.config.RunConfig;
import dev.sinklora.train.config.TrainConfig;
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

    public static Result run(SparkSession spark, TrainConfig o) throws IOException {
        try {
            return execute(spark, o);
        } catch (IOException | TrainingDivergedException e) {
            throw e;
        } catch (Exception e) {
            throw SparkErrors.unwrap(e); // a bad row found inside a task surfaces as its one-line message
        }
    }

    private static Result execute(SparkSession spark, TrainConfig o) throws IOException {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = sc.hadoopConfiguration();
        String baseUri = HadoopModelDirectory.of(o.model().base(), conf).describe();
        ModelDirectory outDir = HadoopModelDirectory.of(o.run().out(), conf);
        CheckpointStore store = new CheckpointStore(outDir);

        String resumeFrom = prepareOutput(outDir, store, o.run());
        LlamaModel base = FrozenBaseCache.get(baseUri, conf);
        LlamaConfig c = base.config();
        checkTrainable(c, o.lora(), baseUri);
        DataInfo data = DataInfo.read(HadoopModelDirectory.of(o.data().uri(), conf), c);
        int seqLen = o.data().seqLen() != null ? o.data().seqLen() : data.seqLen();
        double ropeFactor = o.model().ropeFactor() != null ? o.model().ropeFactor() : defaultRopeFactor(c, seqLen);
        AttentionPattern pattern = o.model().pattern(seqLen);
        int workers = workers(o.run(), sc);
        RunConfig run = o.run();
        int perRound = workers * run.averagingFrequency();
        // the config as this run uses it, defaults filled in: what checkpoints record and --resume compares
        TrainConfig resolved = new TrainConfig(o.model().resolved(baseUri, pattern, ropeFactor), o.lora(),
                o.optimizer(), o.data().resolved(data.trainUri(), seqLen, data.fingerprint()),
                run.resolved(outDir.describe(), workers));

        TrainingExamples examples = TrainingExamples.load(spark, data, seqLen, o.data().batchSize(), run.seed());
        if (run.overwrite() && !run.resume()) {
            outDir.deleteRecursively(); // only once the data passed its checks: a refused run loses nothing
        }
        long rounds = run.maxSteps() != null
                ? ceilDiv(run.maxSteps(), run.averagingFrequency())
                : ceilDiv((run.epochs() == null ? 1 : run.epochs()) * examples.batchCount(), perRound);
        LOG.info("train: base {} ({} layers, hidden {}), data {} ({} examples, {} minibatches of {}), seq-len {}, "
                        + "attention {}, rope factor {}, {} workers x {} local steps per round, {} rounds",
                baseUri, c.numHiddenLayers(), c.hiddenSize(), data.trainUri(), examples.exampleCount(),
                examples.batchCount(), o.data().batchSize(), seqLen, pattern, ropeFactor, workers,
                run.averagingFrequency(), rounds);

        SinkLoraLayer layer = layer(resolved.model(), o.lora(), seqLen, o.data().batchSize());
        ComputationGraph net = new ComputationGraph(networkConfig(o.optimizer(), run.seed(), o.lora(), layer));
        net.init();
        Map<String, INDArray> table = paramTable(net);
        TrainableParams trainable = new TrainableParams(c, layer.loraConfig());
        AdapterTrainingInfo info = new AdapterTrainingInfo(ropeFactor, pattern, seqLen);

        long startRound = 0;
        long tokensSeen = 0;
        double elapsedBefore = 0;
        List<JsonNode> metrics = new ArrayList<>();
        Dl4jParameterAveragingTrainer trainer =
                new Dl4jParameterAveragingTrainer(sc, net, o.data().batchSize(), run.averagingFrequency(), workers);
        if (resumeFrom != null) {
            CheckpointStore.Saved saved = store.load(resumeFrom);
            if (saved.state().config() == null) {
                throw new BadInputException("--resume: checkpoint " + outDir.child(resumeFrom).describe() + " has no"
                        + " run config (written by an earlier sinklora, its " + TrainerState.FILE_NAME + " holds only"
                        + " 'hyperparameters'); resume it with that version, or start over with --overwrite");
            }
            ResumeCheck.requireSameRun(saved.state().config(), resolved, resumeFrom);
            trainer.restore(saved.params(), saved.optimizerState(), saved.state().iteration(), saved.state().epoch());
            startRound = saved.state().round();
            tokensSeen = saved.state().tokensSeen();
            elapsedBefore = saved.state().elapsedSeconds();
            metrics.addAll(readMetrics(outDir, startRound));
            LOG.info("train: resumed from {} (step {}, loss {})", resumeFrom, saved.state().step(), saved.state().loss());
        } else {
            LoraAdapter init = LoraInit.create(c, layer.loraConfig(), run.seed(), name -> base.weights().get(name), info);
            trainable.assign(init, table);
        }

        long[] tokensPerBatch = examples.lossTokensPerBatch();
        long t0 = System.nanoTime();
        double firstLoss = Double.NaN;
        double loss = Double.NaN;
        long lastSavedStep = startRound * run.averagingFrequency();
        for (long r = startRound; r < rounds; r++) {
            long step = (r + 1) * run.averagingFrequency();
            sc.setJobDescription(String.format("train round %d/%d (step %d)", r + 1, rounds, step));
            long rt = System.nanoTime();
            trainer.fitRound(examples.round(r, perRound, workers));
            double secs = (System.nanoTime() - rt) / 1e9;
            loss = trainer.lastLoss();
            double appliedLr = checkSchedule(o.optimizer(), run.averagingFrequency(), trainer.lastRoundSteps(), r);
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
                    step, rounds * run.averagingFrequency(), r + 1, rounds, loss, roundTokens / secs,
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
            if (step / run.saveEvery() > lastSavedStep / run.saveEvery() || last) {
                TrainerState state = state(net, step, r + 1, tokensSeen, loss, elapsed, resolved);
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
        return new Result(outDir.describe(), rounds * run.averagingFrequency(), rounds, firstLoss, loss, tokensSeen,
                seconds, trainer.broadcastBytesPerRound(), workers, seqLen, ropeFactor, pattern);
    }

    /** Refuses trainable extras the base cannot take: the embedding of a base that ties lm_head to it. */
    public static void checkTrainable(LlamaConfig c, LoraConfig lora, String baseUri) {
        if (c.tieWordEmbeddings() && lora.trainable().contains(TrainableExtra.EMBED)) {
            throw new BadInputException("--trainable embed: " + baseUri + " ties lm_head to the embedding"
                    + " (tie_word_embeddings); training the input embedding alone would untie them");
        }
    }

    /**
     * The data-parallel workers: {@code --workers}, or every task slot. Parameter averaging runs all workers of a round
     * at once (each holds a network copy), so more workers than the application has task slots would queue behind
     * each other, every round, and hold their shuffle data meanwhile: refused, naming the slots it has.
     */
    static int workers(RunConfig o, JavaSparkContext sc) {
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
    private static String prepareOutput(ModelDirectory outDir, CheckpointStore store, RunConfig o) throws IOException {
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

    /**
     * The training layer of {@code model} (resolved: its RoPE factor given) with {@code lora}, for minibatches of
     * {@code batchSize} sequences of {@code seqLen} tokens.
     */
    public static SinkLoraLayer layer(ModelConfig model, LoraConfig lora, int seqLen, int batchSize) {
        if (model.ropeFactor() == null) {
            throw new IllegalArgumentException("the layer needs a resolved RoPE factor");
        }
        AttentionPattern pattern = model.pattern(seqLen);
        SinkLoraLayer layer = new SinkLoraLayer();
        layer.setBaseUri(model.base());
        layer.setBatchSize(batchSize);
        layer.setSeqLen(seqLen);
        layer.setAttention(pattern.mode().cliName());
        layer.setGroupSize(pattern.groupSize());
        layer.setSinkTokens(pattern.sinkTokens());
        layer.setRopeFactor(model.ropeFactor());
        layer.setLoraR(lora.r());
        layer.setLoraAlpha(lora.alpha());
        layer.setTargets(new ArrayList<>(lora.targets()));
        layer.setTrainable(new ArrayList<>(lora.trainable().stream().map(TrainableExtra::cliName).sorted().toList()));
        layer.setRecompute(model.recompute().cliName());
        return layer;
    }

    /** AdamW as {@link OptimizerConfig} says: constant learning rate after a linear warmup, global L2 clipping. */
    public static ComputationGraphConfiguration networkConfig(OptimizerConfig o, long seed, LoraConfig lora,
                                                              SinkLoraLayer layer) {
        Map<Integer, Double> schedule = new HashMap<>();
        for (int i = 0; i <= o.warmupSteps(); i++) {
            schedule.put(i, o.learningRateAt(i));
        }
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)

                .updater(Adam.builder().learningRateSchedule(new MapSchedule(ScheduleType.ITERATION, schedule))
                        .beta1(OptimizerConfig.BETA1).beta2(OptimizerConfig.BETA2).epsilon(OptimizerConfig.EPSILON)
                        .build())
                // one layer holds every trainable tensor, so per-layer clipping is global-norm clipping
                .gradientNormalization(GradientNormalization.ClipL2PerLayer)
                .gradientNormalizationThreshold(OptimizerConfig.CLIP_NORM);
        if (o.weightDecay() > 0) {
            b.weightDecay(o.weightDecay(), true); // decoupled (AdamW): w -= lr * wd * w
        }
        var g = b.graphBuilder().addInputs("ids");
        if (lora.trainable().contains(TrainableExtra.EMBED)) {
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
    static double checkSchedule(OptimizerConfig o, int averagingFrequency, List<WorkerStep> steps, long r) {
        long first = r * averagingFrequency;
        long last = first + averagingFrequency - 1;
        double applied = Double.NaN;
        for (WorkerStep s : steps) {
            double expected = o.learningRateAt(s.iteration());
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
                                      double elapsed, TrainConfig config) {
        return new TrainerState(step, round, tokens, loss, elapsed, net.getConfiguration().getIterationCount(),
                net.getConfiguration().getEpochCount(), config);
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
