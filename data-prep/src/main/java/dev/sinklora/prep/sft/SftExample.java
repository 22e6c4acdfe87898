package dev.sinklora.prep.sft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.prep.record.Extracted;
import dev.sinklora.prep.record.JsonRecords;
import dev.sinklora.prep.record.RawRecord;
import dev.sinklora.prep.record.RejectReason;

/**
 * A LongAlpaca-style example: {@code instruction} (non-empty string), {@code input} (optional
 * string; null when absent) and {@code output} (non-empty string). Other fields are ignored.
 */
public record SftExample(String instruction, String input, String output) {

    /** Parses a raw record, or says why it is not a usable example. */
    public static Extracted<SftExample> parse(RawRecord r) {
        Extracted<ObjectNode> obj = JsonRecords.parseObject(r);
        if (!obj.ok()) {
            return obj.cast();
        }
        Extracted<String> instruction = field(obj.value(), "instruction", true);
        if (!instruction.ok()) {
            return instruction.cast();
        }
        Extracted<String> input = field(obj.value(), "input", false);
        if (!input.ok()) {
            return input.cast();
        }
        Extracted<String> output = field(obj.value(), "output", true);
        if (!output.ok()) {
            return output.cast();
        }
        return Extracted.ok(new SftExample(instruction.value(), input.value(), output.value()));
    }

    private static Extracted<String> field(ObjectNode o, String name, boolean required) {
        JsonNode v = o.get(name);
        if (v == null || v.isNull()) {
            return required ? Extracted.reject(RejectReason.MISSING_FIELD, "no '" + name + "' field")
                    : Extracted.ok(null);
        }
        if (!v.isTextual()) {
            return Extracted.reject(RejectReason.NON_STRING_FIELD, "'" + name + "' is a "
                    + v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + ", not a string");
        }
        if (required && v.textValue().isBlank()) {
            return Extracted.reject(RejectReason.EMPTY_FIELD, "'" + name + "' is empty or whitespace only");
        }
        return JsonRecords.checkUnicode(v.textValue(), name);
    }

    /** The text the train/validation assignment hashes. */
    public String splitKey() {
        return instruction + '\u0000' + (input == null ? "" : input) + '\u0000' + output;
    }
}
