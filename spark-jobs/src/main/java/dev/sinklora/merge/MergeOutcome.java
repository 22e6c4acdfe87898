package dev.sinklora.merge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.model.lora.MergeExporter;

import java.io.Serializable;
import java.util.ArrayList;

/**
 * What one export did: the files it wrote, or the error that stopped it (a bad input, reported rather than
 * retried). Travels back from Spark tasks.
 */
public record MergeOutcome(String name, String adapter, String out, String error, String dtype, double ropeFactor,
                           String ropeFactorSource, ArrayList<String> files, int mergedTensors, int replacedTensors,
                           long tensorBytes, long largestTensorBytes, double seconds) implements Serializable {

    private static final ObjectMapper JSON = new ObjectMapper();

    public boolean ok() {
        return error == null;
    }

    static MergeOutcome success(String name, String adapter, MergeExporter.Result r, double seconds) {
        return new MergeOutcome(name, adapter, r.out(), null, r.dtype().name(), r.rope().factor(),
                r.rope().source().name().toLowerCase(java.util.Locale.ROOT), new ArrayList<>(r.files()),
                r.mergedTensors(), r.replacedTensors(), r.tensorBytes(), r.largestTensorBytes(), seconds);
    }

    static MergeOutcome failure(MergeSpec spec, String error, double seconds) {
        return new MergeOutcome(spec.name(), spec.adapter(), spec.out(), error, null, Double.NaN, null,
                new ArrayList<>(), 0, 0, 0, 0, seconds);
    }

    /** One JSON object, for a line of output. */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", name);
        o.put("adapter", adapter);
        o.put("out", out);
        o.put("ok", ok());
        if (ok()) {
            o.put("dtype", dtype);
            o.put("rope_factor", ropeFactor);
            o.put("rope_factor_source", ropeFactorSource);
            ArrayNode f = o.putArray("files");
            files.forEach(f::add);
            o.put("merged_tensors", mergedTensors);
            o.put("replaced_tensors", replacedTensors);
            o.put("tensor_bytes", tensorBytes);
            o.put("largest_tensor_fp32_bytes", largestTensorBytes);
        } else {
            o.put("error", error);
        }
        o.put("seconds", seconds);
        return o.toString();
    }
}
