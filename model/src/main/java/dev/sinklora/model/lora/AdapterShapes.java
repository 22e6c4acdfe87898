package dev.sinklora.model.lora;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.config.LlamaConfig;
import dev.sinklora.model.llama.LlamaTensors;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Checks that an adapter fits a base model, from tensor shapes alone (so a file can be checked from its header
 * before any data is read): every targeted projection of every layer has its pair, each {@code A} is
 * {@code [r, in]} and each {@code B} {@code [out, r]} for that projection of the base, and each fully trained
 * tensor is a base tensor of the same shape. Errors name the adapter tensor by its PEFT key.
 */
final class AdapterShapes {

    private AdapterShapes() {
    }

    /**
     * @param where   what to call the adapter in messages (its directory)
     * @param aShapes module path to the shape of its A
     * @param bShapes module path to the shape of its B (same keys as {@code aShapes})
     * @param extras  HF tensor name to shape, for tensors trained in full
     */
    static void check(String where, LlamaConfig base, LoraConfig cfg, Map<String, long[]> aShapes,
                      Map<String, long[]> bShapes, Map<String, long[]> extras) {
        int layers = base.numHiddenLayers();
        for (Map.Entry<String, long[]> e : aShapes.entrySet()) {
            String module = e.getKey();
            PeftKeys.Module m = PeftKeys.parseModule(module);
            if (m == null) {
                throw new BadInputException(where + ": tensor '" + PeftKeys.loraA(module)
                        + "' does not adapt a LLaMA projection");
            }
            if (m.layer() >= layers) {
                throw new BadInputException(where + ": tensor '" + PeftKeys.loraA(module) + "' is for layer "
                        + m.layer() + ", but the base model has " + layers + " layers");
            }
            if (!cfg.targets(m.proj())) {
                throw new BadInputException(where + ": tensor '" + PeftKeys.loraA(module) + "' adapts "
                        + m.proj() + ", which is not among the adapter's target modules " + cfg.targets());
            }
            long[] w = LlamaTensors.shape(base, module + ".weight"); // [out, in]
            expect(where, PeftKeys.loraA(module), e.getValue(), new long[]{cfg.r(), w[1]}, cfg.r(), module, w);
            expect(where, PeftKeys.loraB(module), bShapes.get(module), new long[]{w[0], cfg.r()}, cfg.r(), module, w);
        }
        for (int l = 0; l < layers; l++) {
            for (String proj : cfg.targets()) {
                String module = LlamaTensors.projection(l, proj);
                if (!aShapes.containsKey(module)) {
                    throw new BadInputException(where + ": the adapter targets " + proj + " but has no tensor '"
                            + PeftKeys.loraA(module) + "' for layer " + l + " of the " + layers + "-layer base");
                }
            }
        }
        Set<String> baseNames = new HashSet<>(LlamaTensors.names(base));
        for (Map.Entry<String, long[]> e : extras.entrySet()) {
            if (!baseNames.contains(e.getKey())) {
                throw new BadInputException(where + ": tensor '" + PeftKeys.extra(e.getKey())
                        + "' replaces " + e.getKey() + ", which the base model does not have");
            }
            long[] want = LlamaTensors.shape(base, e.getKey());
            if (!Arrays.equals(want, e.getValue())) {
                throw new BadInputException(where + ": tensor '" + PeftKeys.extra(e.getKey()) + "' has shape "
                        + Arrays.toString(e.getValue()) + ", but the base's " + e.getKey() + " is "
                        + Arrays.toString(want));
            }
        }
    }

    private static void expect(String where, String key, long[] got, long[] want, int r, String module, long[] w) {
        if (got == null) {
            throw new BadInputException(where + ": tensor '" + key + "' is missing");
        }
        if (!Arrays.equals(got, want)) {
            throw new BadInputException(where + ": tensor '" + key + "' has shape " + Arrays.toString(got)
                    + ", expected " + Arrays.toString(want) + " (r=" + r + ", the base's " + module + ".weight is "
                    + Arrays.toString(w) + ")");
        }
    }
}
