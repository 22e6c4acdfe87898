package dev.sinklora.model.lora;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.io.ModelDirectory;
import dev.sinklora.model.io.safetensors.Checkpoint;
import dev.sinklora.model.io.safetensors.DType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Closeable;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An open PEFT adapter directory: its parsed {@code adapter_config.json}, the optional {@code sinklora.json}, and
 * {@code adapter_model.safetensors} with every key classified (a LoRA A or B of a targeted projection, or a tensor
 * trained in full that {@code modules_to_save} covers) and paired when opened. Tensors are loaded on demand, one at a
 * time, so a merge never needs the whole adapter in memory; {@link #readAll()} loads everything.
 */
public final class PeftAdapterReader implements Closeable {

    /** The adapter weights' file name. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";

    private final String where;
    private final String weightsFile; // where/adapter_model.safetensors, for messages
    private final PeftAdapterConfig peftConfig;
    private final AdapterTrainingInfo trainingInfo;
    private final Checkpoint weights;
    private final SortedMap<String, String> aKeys = new TreeMap<>(); // module -> key
    private final SortedMap<String, String> bKeys = new TreeMap<>();
    private final SortedMap<String, String> extraKeys = new TreeMap<>(); // HF name -> key

    private PeftAdapterReader(String where, String weightsFile, PeftAdapterConfig peftConfig,
                              AdapterTrainingInfo trainingInfo, Checkpoint weights) {
        this.where = where;
        this.weightsFile = weightsFile;
        this.peftConfig = peftConfig;
        this.trainingInfo = trainingInfo;
        this.weights = weights;
    }

    /**
     * Opens and checks an adapter directory.
     *
     * @throws BadInputException if a file is missing or malformed (a truncated safetensors file included), a key is
     *     not a PEFT LoRA key of a targeted LLaMA projection or of a saved module, or an A lacks its B (or vice versa)
     */
    public static PeftAdapterReader open(ModelDirectory dir) throws IOException {
        if (!dir.isDirectory()) {
            throw new BadInputException(dir.describe() + ": adapter directory does not exist or is not a directory");
        }
        if (!dir.hasFile(PeftAdapterConfig.FILE_NAME)) {
            throw new BadInputException(dir.describe() + ": no " + PeftAdapterConfig.FILE_NAME
                    + " (not a PEFT adapter directory)");
        }
        PeftAdapterConfig cfg = PeftAdapterConfig.parse(dir.readAll(PeftAdapterConfig.FILE_NAME),
                dir.describe(PeftAdapterConfig.FILE_NAME));
        AdapterTrainingInfo info = dir.hasFile(AdapterTrainingInfo.FILE_NAME)
                ? AdapterTrainingInfo.parse(dir.readAll(AdapterTrainingInfo.FILE_NAME),
                        dir.describe(AdapterTrainingInfo.FILE_NAME))
                : null;
        if (!dir.hasFile(WEIGHTS_FILE)) {
            throw new BadInputException(dir.describe() + ": no " + WEIGHTS_FILE
                    + (dir.hasFile("adapter_model.bin") ? " (adapter_model.bin, a pickle, is not read: save with"
                    + " safe_serialization=True)" : ""));
        }
        Checkpoint ckpt = Checkpoint.open(dir, WEIGHTS_FILE);
        PeftAdapterReader r = new PeftAdapterReader(dir.describe(), dir.describe(WEIGHTS_FILE), cfg, info, ckpt);
        try {
            r.classify();
            return r;
        } catch (RuntimeException e) {
            ckpt.close();
            throw e;
        }
    }

    private void classify() {
        String file = weightsFile;
        LoraConfig lora = peftConfig.lora();
        for (String key : weights.names()) {
            if (!key.startsWith(PeftKeys.PREFIX)) {
                throw new BadInputException(file + ": tensor '" + key + "' is not a PEFT key (expected names"
                        + " starting with " + PeftKeys.PREFIX + ")");
            }
            String rest = key.substring(PeftKeys.PREFIX.length());
            boolean isA = rest.endsWith(".lora_A.weight");
            if (isA || rest.endsWith(".lora_B.weight")) {
                String module = rest.substring(0, rest.length() - ".lora_A.weight".length());
                PeftKeys.Module m = PeftKeys.parseModule(module);
                if (m == null) {
                    throw new BadInputException(file + ": tensor '" + key + "' does not adapt a LLaMA projection"
                            + " (expected model.layers.N.self_attn|mlp.<proj>)");
                }
                if (!lora.targets(m.proj())) {
                    throw new BadInputException(file + ": tensor '" + key + "' adapts " + m.proj()
                            + ", which adapter_config.json's target_modules " + lora.targets() + " does not list");
                }
                (isA ? aKeys : bKeys).put(module, key);
            } else if (PeftKeys.extraModule(rest) != null) {
                if (!peftConfig.saves(rest)) {
                    throw new BadInputException(file + ": tensor '" + key + "' is a trained " + rest
                            + ", but adapter_config.json's modules_to_save " + peftConfig.modulesToSave()
                            + " does not cover it");
                }
                extraKeys.put(rest, key);
            } else {
                throw new BadInputException(file + ": unexpected tensor '" + key + "' (neither a LoRA lora_A/lora_B"
                        + " weight nor a supported modules_to_save tensor)");
            }
        }
        for (String module : aKeys.keySet()) {
            if (!bKeys.containsKey(module)) {
                throw new BadInputException(file + ": tensor '" + PeftKeys.loraB(module) + "' is missing (its"
                        + " lora_A is present)");
            }
        }
        for (String module : bKeys.keySet()) {
            if (!aKeys.containsKey(module)) {
                throw new BadInputException(file + ": tensor '" + PeftKeys.loraA(module) + "' is missing (its"
                        + " lora_B is present)");
            }
        }
    }

    /** What to call the adapter in messages (its directory). */
    public String describe() {
        return where;
    }

    public LoraConfig config() {
        return peftConfig.lora();
    }

    public PeftAdapterConfig peftConfig() {
        return peftConfig;
    }

    /** The contents of sinklora.json; null if the directory has none. */
    public AdapterTrainingInfo trainingInfo() {
        return trainingInfo;
    }

    /** Module paths with a LoRA pair, sorted. */
    public SortedSet<String> modules() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(aKeys.keySet()));
    }

    /** HF names of the tensors trained in full, sorted. */
    public SortedSet<String> extras() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(extraKeys.keySet()));
    }

    /** Checks the adapter fits a base of config {@code base}, from tensor shapes (no data read). */
    public void checkCompatible(LlamaConfig base) {
        Map<String, long[]> a = new LinkedHashMap<>();
        Map<String, long[]> b = new LinkedHashMap<>();
        aKeys.forEach((m, k) -> a.put(m, weights.info(k).shape()));
        bKeys.forEach((m, k) -> b.put(m, weights.info(k).shape()));
        Map<String, long[]> x = new LinkedHashMap<>();
        extraKeys.forEach((n, k) -> x.put(n, weights.info(k).shape()));
        AdapterShapes.check(where, base, peftConfig.lora(), a, b, x);
    }

    /** The PEFT key under which a module's A (or B) is stored. */
    public String keyA(String module) {
        return require(aKeys, module);
    }

    public String keyB(String module) {
        return require(bKeys, module);
    }

    public String keyExtra(String hfName) {
        return require(extraKeys, hfName);
    }

    /** A of {@code module}, FP32 {@code [r, in]}; checked finite. */
    public INDArray loadA(String module) throws IOException {
        return loadFinite(keyA(module));
    }

    /** B of {@code module}, FP32 {@code [out, r]}; checked finite. */
    public INDArray loadB(String module) throws IOException {
        return loadFinite(keyB(module));
    }

    /** A fully trained tensor by HF name, FP32; checked finite. */
    public INDArray loadExtra(String hfName) throws IOException {
        return loadFinite(keyExtra(hfName));
    }

    /**
     * Loads every tensor once and frees it, so a NaN/Inf anywhere fails before anything is computed or written
     * (a merge streams tensors later, one at a time).
     */
    public void checkValues() throws IOException {
        for (String key : weights.names()) {
            INDArray a = loadFinite(key);
            if (a.closeable()) {
                a.close();
            }
        }
    }

    /** Every adapter tensor must be finite: a NaN in one lora_B would make every output NaN or token 0. */
    private INDArray loadFinite(String key) throws IOException {
        INDArray a = weights.load(key); // FP32, as stored shape
        try {
            ValueCheck.check(a, DType.F32, weightsFile + ": tensor '" + key + "'");
        } catch (BadInputException e) {
            if (a.closeable()) {
                a.close();
            }
            throw e;
        }
        return a;
    }

    /** Loads the whole adapter into memory. */
    public LoraAdapter readAll() throws IOException {
        Map<String, LoraModule> modules = new LinkedHashMap<>();
        for (String m : aKeys.keySet()) {
            modules.put(m, new LoraModule(m, loadA(m), loadB(m)));
        }
        Map<String, INDArray> extras = new LinkedHashMap<>();
        for (String n : extraKeys.keySet()) {
            extras.put(n, loadExtra(n));
        }
        return new LoraAdapter(peftConfig.lora(), modules, extras, trainingInfo, peftConfig.baseModelNameOrPath());
    }

    private String require(Map<String, String> keys, String name) {
        String k = keys.get(name);
        if (k == null) {
            throw new IllegalArgumentException(where + ": adapter has no tensor for " + name);
        }
        return k;
    }

    @Override
    public void close() throws IOException {
        weights.close();
    }
}
