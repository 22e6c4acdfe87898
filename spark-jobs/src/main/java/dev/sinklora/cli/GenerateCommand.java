package dev.sinklora.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.generate.CacheOptions;
import dev.sinklora.model.generate.CachePolicy;
import dev.sinklora.model.generate.ChatTemplate;
import dev.sinklora.model.generate.HfPromptTokenizer;
import dev.sinklora.model.generate.GenerationResult;
import dev.sinklora.model.generate.Generator;
import dev.sinklora.model.generate.IncrementalDecoder;
import dev.sinklora.model.generate.PromptTokenizer;
import dev.sinklora.model.generate.Sampler;
import dev.sinklora.model.generate.StreamingDetokenizer;
import dev.sinklora.model.llama.LlamaModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code sinklora generate}: prompt -> prefill -> incremental decoding with a full, H2O or StreamingLLM
 * (sink) KV cache; streams the text, then one JSON object as the last stdout line. No Spark.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate text with a LLaMA checkpoint and a KV cache (no Spark).",
                "  full: every position; h2o: sinks + recent + heavy hitters (accumulated attention);",
                "  sink: StreamingLLM, sinks + recent. Budgets are positions per layer and KV head.",
                "Streams the text on stdout, then one JSON line: tokens, cache_peak, kv_cache_bytes,",
                "prefill_ms, tokens_per_s, ..."})
public final class GenerateCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "HF model directory (config.json + *.safetensors)")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "PEFT LoRA adapter, merged into the weights in memory (its recorded RoPE factor applies)")
    Path adapter;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "prompt text (needs --tokenizer)")
    String prompt;

    @Option(names = "--prompt-tokens", split = ",", paramLabel = "ID", description = "prompt token ids, comma separated, e.g. 1,5,9")
    int[] promptTokens;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "HF tokenizer.json (or its directory); with --prompt-tokens only used to print text")
    Path tokenizer;

    @Option(names = "--chat", description = "wrap --prompt in the llama2-chat template ([INST] ... [/INST])")
    boolean chat;

    @Option(names = "--system", paramLabel = "TEXT", description = "system message for --chat")
    String system;

    @Option(names = "--max-new-tokens", required = true, paramLabel = "N", description = "tokens to generate at most")
    int maxNewTokens;

    @Option(names = "--greedy", description = "argmax decoding (the default when --temperature is not given)")
    boolean greedy;

    @Option(names = "--temperature", paramLabel = "T", description = "sample at this temperature (> 0) instead of greedy")
    Double temperature;

    @Option(names = "--top-p", paramLabel = "P", description = "with --temperature: nucleus mass, in (0, 1] (default: 1.0)")
    Double topP;

    @Option(names = "--seed", paramLabel = "S", description = "with --temperature: sampling seed (default: 0)")
    Long seed;

    @Option(names = "--ignore-eos", description = "keep going past the config's eos_token_id")
    boolean ignoreEos;

    @Option(names = "--kv-cache", defaultValue = "full", paramLabel = "KIND",
            description = "full | h2o | sink (default: ${DEFAULT-VALUE})")
    String kvCache;

    @Option(names = "--heavy-budget", paramLabel = "K",
            description = "h2o: heavy-hitter positions kept (default: --heavy-ratio " + CacheOptions.DEFAULT_H2O_HEAVY_RATIO
                    + " of the prompt)")
    Integer heavyBudget;

    @Option(names = "--recent-budget", paramLabel = "R",
            description = "h2o/sink: most recent positions kept, >= 1 (default: --recent-ratio "
                    + CacheOptions.DEFAULT_H2O_RECENT_RATIO + " (h2o) or " + CacheOptions.DEFAULT_SINK_RECENT_RATIO
                    + " (sink) of the prompt)")
    Integer recentBudget;

    @Option(names = "--sink-tokens", paramLabel = "S",
            description = "h2o/sink: first positions always kept (default: " + CacheOptions.DEFAULT_SINKS + ")")
    Integer sinkTokens;

    @Option(names = "--heavy-ratio", paramLabel = "h", description = "h2o: heavy budget = floor(h x prompt length), h in [0, 1]")
    Double heavyRatio;

    @Option(names = "--recent-ratio", paramLabel = "r",
            description = "h2o/sink: recent budget = max(1, floor(r x prompt length)), r in [0, 1]")
    Double recentRatio;

    @Option(names = "--prefill-chunk", defaultValue = "" + IncrementalDecoder.DEFAULT_PREFILL_CHUNK, paramLabel = "C",
            description = "prompt queries per prefill attention block (default: ${DEFAULT-VALUE})")
    int prefillChunk;

    @Override
    public Integer call() throws Exception {
        if ((prompt == null) == (promptTokens == null)) {
            throw new BadInputException("give exactly one of --prompt TEXT (with --tokenizer) or --prompt-tokens IDS");
        }
        if (prompt != null && tokenizer == null) {
            throw new BadInputException("--prompt needs --tokenizer PATH (or give --prompt-tokens)");
        }
        if ((chat || system != null) && prompt == null) {
            throw new BadInputException((chat ? "--chat" : "--system") + " needs --prompt TEXT");
        }
        if (system != null && !chat) {
            throw new BadInputException("--system only applies with --chat");
        }
        if (prefillChunk < 1) {
            throw new BadInputException("--prefill-chunk must be >= 1, got " + prefillChunk);
        }
        Sampler sampler = sampler();
        CacheOptions cacheOptions = new CacheOptions(kvCache, heavyBudget, recentBudget, sinkTokens, heavyRatio, recentRatio);
        cacheOptions.resolve(promptTokens != null ? Math.max(1, promptTokens.length) : 1);   // option errors before loading

        LlamaModel m = LlamaModel.load(model);
        if (adapter != null) {
            // the eager decoder runs plain projections: fold the adapter in memory (same math as `merge`)
            m = dev.sinklora.model.lora.LoraMerger.merged(m, dev.sinklora.model.lora.PeftAdapterIO.read(adapter));
        }
        PrintStream out = System.out;
        try (PromptTokenizer tok = tokenizer == null ? null : HfPromptTokenizer.load(tokenizer)) {
            int[] ids = promptTokens != null ? promptTokens
                    : tok.encode(chat ? ChatTemplate.llama2(system, prompt) : prompt);
            if (ids.length == 0) {
                throw new BadInputException("the prompt is empty: need at least one token");
            }
            m.validateTokens(ids);
            Generator.checkLength(m.config(), ids.length, maxNewTokens);
            CachePolicy policy = cacheOptions.resolve(ids.length);

            StreamingDetokenizer text = tok == null ? null : new StreamingDetokenizer(tok);
            int[] printed = {0};
            GenerationResult r = Generator.generate(new IncrementalDecoder(m, prefillChunk), policy, ids, maxNewTokens,
                    sampler, ignoreEos ? -1 : m.config().eosTokenId(), id -> {
                        out.print(text != null ? text.add(id) : (printed[0]++ > 0 ? " " : "") + id);
                        out.flush();
                    });
            if (text != null) {
                out.print(text.rest());
            }
            out.println();
            out.println(JSON.writeValueAsString(report(r, ids.length, text == null ? null : text.text())));
        }
        return 0;
    }

    private Sampler sampler() {
        if (temperature == null) {
            if (topP != null || seed != null) {
                throw new BadInputException((topP != null ? "--top-p" : "--seed")
                        + " only applies when sampling: give --temperature T too");
            }
            return Sampler.greedy();
        }
        if (greedy) {
            throw new BadInputException("--greedy and --temperature are mutually exclusive");
        }
        return Sampler.nucleus(temperature, topP == null ? 1.0 : topP, seed == null ? 0L : seed);
    }

    private ObjectNode report(GenerationResult r, int promptLength, String text) {
        ObjectNode o = JSON.createObjectNode();
        var tokens = o.putArray("tokens");
        for (int t : r.tokens()) {
            tokens.add(t);
        }
        if (text != null) {
            o.put("text", text);
        }
        o.put("prompt_tokens", promptLength);
        o.put("stopped_at_eos", r.stoppedAtEos());
        CachePolicy p = r.policy();
        o.put("kv_cache", p.kind().cliName());
        if (p.evicts()) {
            o.put("sink_tokens", p.sinks());
            o.put("recent_budget", p.recent());
            o.put("heavy_budget", p.heavy());
        }
        o.put("cache_capacity", r.cacheCapacity());
        o.put("cache_peak", r.cachePeak());
        o.put("kv_cache_bytes", r.kvBytes());
        o.put("bookkeeping_bytes", r.bookkeepingBytes());
        o.put("prefill_ms", r.prefillMillis());
        o.put("decode_ms", r.decodeMillis());
        o.put("decode_steps", r.decodeSteps());
        if (Double.isNaN(r.tokensPerSecond())) {
            o.putNull("tokens_per_s");
        } else {
            o.put("tokens_per_s", r.tokensPerSecond());
        }
        o.put("sampling", temperature == null ? "greedy" : "top-p");
        return o;
    }
}
