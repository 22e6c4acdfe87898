package dev.sinklora.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.lora.TrainableExtra;
import dev.sinklora.train.bench.SgemmBenchmark;
import dev.sinklora.train.bench.TrainStepBenchmark;
import dev.sinklora.train.bench.TrainStepFlops;

import java.util.List;

/** The JSON of {@code bench-train}: the run's header (model, LoRA, sgemm) and one object per case. */
final class BenchTrainReport {

    private BenchTrainReport() {
    }

    static ObjectNode header(ObjectMapper json, LlamaConfig c, LoraConfig lora, String base,
                             List<SgemmBenchmark> sgemm, int warmup, int steps) {
        ObjectNode out = json.createObjectNode();
        ObjectNode model = out.putObject("model");
        model.put("base", base);
        model.put("layers", c.numHiddenLayers());
        model.put("hidden", c.hiddenSize());
        model.put("heads", c.numAttentionHeads());
        model.put("kv_heads", c.numKeyValueHeads());
        model.put("head_dim", c.headDim());
        model.put("intermediate", c.intermediateSize());
        model.put("vocab", c.vocabSize());
        model.put("max_position_embeddings", c.maxPositionEmbeddings());
        ObjectNode l = out.putObject("lora");
        l.put("r", lora.r());
        l.put("alpha", lora.alpha());
        l.put("targets", String.join(",", lora.targets()));
        l.put("trainable", String.join(",", lora.trainable().stream().map(TrainableExtra::cliName).toList()));
        out.put("batch_size", 1);
        out.put("warmup_steps", warmup);
        out.put("timed_steps", steps);
        ArrayNode gemms = out.putArray("sgemm");
        for (SgemmBenchmark g : sgemm) {
            ObjectNode o = gemms.addObject();
            o.put("label", g.label());
            o.put("m", g.m());
            o.put("n", g.n());
            o.put("k", g.k());
            o.put("median_ms", g.medianMillis());
            o.put("gflops", g.gflops());
        }
        out.put("mfu_denominator_gflops", sgemm.get(0).gflops());
        return out;
    }

    static ObjectNode row(ObjectMapper json, TrainStepBenchmark.Outcome o, double peakGflops) {
        ObjectNode row = json.createObjectNode();
        TrainStepFlops f = o.flops();
        row.put("n", o.n());
        row.put("mode", o.pattern().mode().cliName());
        row.put("pattern", o.pattern().toString());
        row.put("rope_factor", o.ropeFactor());
        row.put("model_gflop", f.model() / 1e9);
        row.put("model_useful_gflop", f.modelUseful() / 1e9);
        row.put("forward_gflop", f.forward() / 1e9);
        row.put("executed_gflop_estimate", f.executed() / 1e9);
        row.put("attention_forward_gflop", f.attentionForward() / 1e9);
        row.put("attention_useful_forward_gflop", f.attentionUsefulForward() / 1e9);
        row.put("baseline_rss_bytes", o.baselineRssBytes());
        if (o.local() != null) {
            double secs = o.local().medianMillis() / 1e3;
            row.put("step_ms", o.local().medianMillis());
            ArrayNode all = row.putArray("step_ms_all");
            o.local().stepMillis().forEach(all::add);
            row.put("tokens_per_s", o.n() / secs);
            row.put("achieved_gflops", f.model() / 1e9 / secs);
            row.put("mfu", f.model() / 1e9 / secs / peakGflops);
            row.put("mfu_useful", f.modelUseful() / 1e9 / secs / peakGflops);
            row.put("executed_utilization_estimate", f.executed() / 1e9 / secs / peakGflops);
            row.put("loss", o.local().lastLoss());
            row.put("peak_rss_bytes", o.local().peakRssBytes());
        }
        TrainStepBenchmark.Spark s = o.spark();
        if (s != null) {
            ObjectNode sp = row.putObject("spark");
            sp.put("workers", s.workers());
            sp.put("steps_per_worker_per_round", s.averagingFrequency());
            if (s.skipped() != null) {
                sp.put("skipped", s.skipped());
            } else {
                double secs = s.medianRoundMillis() / 1e3;
                sp.put("round_ms", s.medianRoundMillis());
                ArrayNode all = sp.putArray("round_ms_all");
                s.roundMillis().forEach(all::add);
                sp.put("tokens_per_s", s.tokensPerRound(o.n()) / secs);
                sp.put("mfu", f.model() / 1e9 * s.workers() * s.averagingFrequency() / secs / peakGflops);
                sp.put("peak_rss_bytes", s.peakRssBytes());
            }
        }
        if (o.error() != null) {
            row.put("error", o.error());
        }
        return row;
    }
}
