package dev.sinklora.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.io.ModelDirectory;

import java.io.IOException;

/**
 * What training needs from a prep-corpus / prep-sft output directory: its manifest's sequence
 * length and where the train split lives.
 */
public record DataInfo(String trainUri, int seqLen, boolean sft) {

    public static DataInfo read(ModelDirectory dir) throws IOException {
        if (!dir.hasFile("manifest.json")) {
            throw new BadInputException(dir.describe() + ": no manifest.json (is --data the output of prep-corpus or"
                    + " prep-sft, and did it finish?)");
        }
        JsonNode m = new ObjectMapper().readTree(dir.readAll("manifest.json"));
        boolean sft = m.has("max_len") || m.has("prompt_tokens");
        JsonNode len = m.has("seq_len") ? m.get("seq_len") : m.get("max_len");
        if (len == null || !len.canConvertToInt()) {
            throw new BadInputException(dir.describe("manifest.json") + ": no seq_len or max_len");
        }
        ModelDirectory train = dir.child("train");
        if (!train.exists()) {
            throw new BadInputException(dir.describe() + ": no train/ split");
        }
        return new DataInfo(train.describe(), len.asInt(), sft);
    }
}
