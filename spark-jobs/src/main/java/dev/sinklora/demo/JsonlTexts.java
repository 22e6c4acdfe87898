package dev.sinklora.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes generated documents as prep-corpus input: one JSONL record {@code {"text": ...}} per document. */
public final class JsonlTexts {

    private JsonlTexts() {
    }

    public static void write(Path file, List<String> texts) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (String text : texts) {
                ObjectNode rec = json.createObjectNode();
                rec.put("text", text);
                w.write(json.writeValueAsString(rec));
                w.newLine();
            }
        }
    }
}
