package dev.sinklora.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.tokenizer.HfTokenizer;
import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.attention.AttentionPattern;
import dev.sinklora.model.llama.LlamaModel;
import dev.sinklora.model.llama.Projection;
import dev.sinklora.model.lora.AdaptedModel;
import dev.sinklora.model.lora.PeftAdapterIO;
import dev.sinklora.model.score.SequenceScorer;
import dev.sinklora.spark.HadoopConfs;
import dev.sinklora.spark.HadoopModelDirectory;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code sinklora score}: mean next-token NLL of one token sequence; JSON as the last stdout line. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = {"Score one token sequence with a LLaMA checkpoint: mean next-token NLL (nats) and perplexity.",
                "Prints one JSON object as the last line on stdout."})
public final class ScoreCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "HF model directory (config.json + *.safetensors; file://, hdfs://, s3a://)")
    String model;

    @Option(names = "--tokens", split = ",", paramLabel = "ID",
            description = "token ids, comma separated, e.g. 1,5,9 (at least 2)")
    int[] tokens;

    @Option(names = "--text", paramLabel = "TEXT", description = "text to score instead of --tokens (needs --tokenizer; BOS is added)")
    String text;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "HF tokenizer.json (or its directory) for --text")
    Path tokenizer;

    @Option(names = "--attention", defaultValue = "full", paramLabel = "MODE",
            description = "full | s2 | s2-reassembled | sf (default: ${DEFAULT-VALUE})")
    String attention;

    @Option(names = "--group-size", paramLabel = "G",
            description = "attention group size for s2/s2-reassembled/sf (default: N/4)")
    Integer groupSize;

    @Option(names = "--sink-tokens", paramLabel = "S",
            description = "global sink tokens (default: 4 for sf, 0 otherwise)")
    Integer sinkTokens;

    @Option(names = "--adapter", paramLabel = "DIR", description = {"PEFT LoRA adapter directory, applied unmerged",
            "(its sinklora.json RoPE factor, if any, overrides the model's); file://, hdfs://, s3a://"})
    String adapter;

    @Override
    public Integer call() throws Exception {
        if ((tokens == null) == (text == null)) {
            throw new BadInputException("give exactly one of --tokens IDS or --text TEXT (with --tokenizer)");
        }
        if (text != null) {
            if (tokenizer == null) {
                throw new BadInputException("--text needs --tokenizer PATH");
            }
            try (HfTokenizer tok = HfTokenizer.load(tokenizer)) {
                tokens = tok.encodeWithBos(text);
            }
        } else if (tokenizer != null) {
            throw new BadInputException("--tokenizer only applies with --text");
        }
        if (tokens.length < 2) {
            throw new BadInputException("--tokens: need at least 2 tokens to score, got " + tokens.length);
        }
        AttentionPattern pattern = AttentionPattern.of(AttentionMode.parse(attention), tokens.length, groupSize, sinkTokens);
        Configuration conf = HadoopConfs.current();
        LlamaModel m = LlamaModel.load(HadoopModelDirectory.of(model, conf));
        Projection projection = Projection.PLAIN;
        if (adapter != null) {
            AdaptedModel adapted = AdaptedModel.unmerged(m, PeftAdapterIO.read(HadoopModelDirectory.of(adapter, conf)), adapter);
            m = adapted.model();
            projection = adapted.projection();
        }
        long t0 = System.nanoTime();
        SequenceScorer.Score s = SequenceScorer.score(m, tokens, pattern, projection);
        double seconds = (System.nanoTime() - t0) / 1e9;

        ObjectNode out = JSON.createObjectNode();
        out.put("tokens", s.tokens());
        out.put("predicted", s.predicted());
        out.put("mean_nll", s.meanNll());
        out.put("ppl", s.ppl());
        out.put("attention", pattern.mode().cliName());
        out.put("group_size", pattern.groupSize());
        out.put("sink_tokens", pattern.sinkTokens());
        out.put("rope_factor", m.config().ropeFactor());
        out.put("rope_frequencies", m.config().ropeFrequencies());
        if (adapter != null) {
            out.put("adapter", adapter);
        }
        var first8 = out.putArray("logits_last_row_first8");
        for (int i = 0; i < Math.min(8, s.lastLogits().length); i++) {
            first8.add(s.lastLogits()[i]);
        }
        out.put("seconds", seconds);
        System.out.println(JSON.writeValueAsString(out));
        return 0;
    }
}
