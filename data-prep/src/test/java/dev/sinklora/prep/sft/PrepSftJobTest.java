package dev.sinklora.prep.sft;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.tokenizer.HfTokenizer;
import dev.sinklora.testing.ShardRows;
import dev.sinklora.testing.SparkTestSession;
import dev.sinklora.testing.TestTokenizers;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** prep-sft end to end: masking, templates, overflow policies, order, rejected records. */
class PrepSftJobTest {
    static final int BOS = 1;
    static final int EOS = 2;
    static SparkSession spark;
    static HfTokenizer tok;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @BeforeAll
    static void setUp() {
        spark = SparkTestSession.get();
        tok = HfTokenizer.load(TestTokenizers.llama2());
    }

    @AfterAll
    static void tearDown() {
        tok.close();
    }

    static Map<String, Object> ex(String instruction, String input, String output) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("instruction", instruction);
        if (input != null) {
            m.put("input", input);
        }
        m.put("output", output);
        return m;
    }

    static final List<Map<String, Object>> EXAMPLES = List.of(
            ex("Summarize the paper below.", "Attention sinks keep the first tokens visible.\nThey stabilise "
                    + "streaming.", "Sinks are the first tokens; keeping them stabilises attention."),
            ex("What is 2+2?", null, "4"),
            ex("Translate to French: cat", "", " chat"),
            ex("Write a haiku about llamas 🦙", null, "Soft wool on the hill\nquiet eyes watch the long road\n"
                    + "context stretches far"),
            ex("List three colours.", "Use commas.", "red, green, blue"));

    @Test
    void lossIsOnlyOnTargetTokensAndRowsFollowTheInput() throws IOException {
        Path in = tmp.resolve("longalpaca.json");
        JSON.writerWithDefaultPrettyPrinter().writeValue(in.toFile(), EXAMPLES);

        SftManifest m = PrepSftJob.run(spark, PrepSftOptions.of(List.of(in.toString()),
                TestTokenizers.llama2().toString(), 4096, tmp.resolve("out").toString()));

        List<Row> rows = ShardRows.read(spark, tmp.resolve("out/train"));
        assertEquals(EXAMPLES.size(), rows.size());
        long promptTotal = 0;
        long targetTotal = 0;
        for (int r = 0; r < rows.size(); r++) {
            Map<String, Object> e = EXAMPLES.get(r);
            String prompt = PromptTemplate.LLAMA2_CHAT.prompt((String) e.get("instruction"), (String) e.get("input"), null);
            String output = (String) e.get("output");
            int[] ids = ShardRows.ints(rows.get(r), "input_ids");
            int[] labels = ShardRows.ints(rows.get(r), "labels");
            int len = rows.get(r).getInt(rows.get(r).fieldIndex("length"));
            int promptLen = rows.get(r).getInt(rows.get(r).fieldIndex("prompt_length"));
            assertEquals(ids.length, len);
            assertEquals(ids.length, labels.length);
            assertEquals(BOS, ids[0]);
            assertEquals(EOS, ids[len - 1]);
            assertArrayEquals(tok.encodeWhole(prompt + output), Arrays.copyOfRange(ids, 1, len - 1));
            int[] promptIds = tok.encodeWhole(prompt);
            assertArrayEquals(Arrays.copyOf(promptIds, promptLen - 1), Arrays.copyOfRange(ids, 1, promptLen),
                    "masked part is the prompt's own tokens");
            for (int i = 0; i < len; i++) {
                assertEquals(i < promptLen ? SftEncoder.IGNORE_INDEX : ids[i], labels[i], "row " + r + " pos " + i);
            }
            assertEquals(output.strip(), tok.decode(Arrays.copyOfRange(ids, promptLen, len - 1)).strip(),
                    "the loss is on the output");
            promptTotal += promptLen;
            targetTotal += len - promptLen;
        }
        assertEquals(5, m.documents());
        assertEquals(5, m.recordsRead());
        assertEquals(promptTotal, m.promptTokens());
        assertEquals(targetTotal, m.targetTokens());
        assertEquals(promptTotal + targetTotal, m.tokens());
        assertEquals("llama2-chat", m.template());
        assertEquals(-100, m.labelIgnoreIndex());
        assertTrue(Files.exists(tmp.resolve("out/manifest.json")));
    }

    @Test
    void overflowPoliciesRejectTruncateOrDrop() throws IOException {
        Path in = tmp.resolve("data.jsonl");
        StringBuilder sb = new StringBuilder();
        sb.append(JSON.writeValueAsString(ex("Short?", null, "Yes."))).append('\n');
        sb.append(JSON.writeValueAsString(ex("Long answer please.", null, "word ".repeat(80)))).append('\n');
        sb.append(JSON.writeValueAsString(ex("prompt ".repeat(80), null, "ok"))).append('\n');
        Files.writeString(in, sb.toString());
        int maxLen = 40;
        PrepSftOptions base = PrepSftOptions.of(List.of(in.toString()), TestTokenizers.llama2().toString(), maxLen,
                tmp.resolve("reject").toString()).withMaxRejectedFraction(1);

        SftManifest rejected = PrepSftJob.run(spark, base);
        assertEquals(1, rejected.documents());
        assertEquals(Map.of("too_long", 2L), rejected.rejectedByReason());

        SftManifest truncated = PrepSftJob.run(spark, base.with(PromptTemplate.LLAMA2_CHAT, OverflowPolicy.TRUNCATE)
                .withOut(tmp.resolve("truncate").toString(), maxLen));
        assertEquals(2, truncated.documents());
        assertEquals(1, truncated.truncated());
        assertEquals(Map.of("no_target_tokens", 1L), truncated.rejectedByReason());
        Row cut = ShardRows.read(spark, tmp.resolve("truncate/train")).get(1);
        int[] ids = ShardRows.ints(cut, "input_ids");
        int[] labels = ShardRows.ints(cut, "labels");
        assertEquals(maxLen, ids.length);
        assertNotEquals(EOS, ids[maxLen - 1]);
        int promptLen = cut.getInt(cut.fieldIndex("prompt_length"));
        assertTrue(promptLen < maxLen);
        assertEquals(SftEncoder.IGNORE_INDEX, labels[promptLen - 1]);
        assertEquals(ids[promptLen], labels[promptLen]);

        SftManifest dropped = PrepSftJob.run(spark, base.with(PromptTemplate.LLAMA2_CHAT, OverflowPolicy.DROP)
                .withOut(tmp.resolve("drop").toString(), maxLen).withMaxRejectedFraction(0));
        assertEquals(1, dropped.documents());
        assertEquals(2, dropped.dropped());
        assertEquals(0, dropped.rejected());
        assertEquals(dropped.recordsRead(), dropped.documents() + dropped.rejected() + dropped.dropped());
    }

    @Test
    void badRecordsAreRejectedWithLineAndReason() throws IOException {
        Path in = tmp.resolve("bad.jsonl");
        Files.writeString(in, String.join("\n",
                JSON.writeValueAsString(ex("Fine.", null, "ok")),
                "{\"instruction\": \"no output\"}",
                "{\"instruction\": \"x\", \"input\": 7, \"output\": \"y\"}",
                "{\"instruction\": \"  \", \"output\": \"y\"}",
                "",
                "{\"instruction\": \"broken\"",
                JSON.writeValueAsString(ex("Also fine.", "with input", "ok"))) + "\n");
        SftManifest m = PrepSftJob.run(spark, PrepSftOptions.of(List.of(in.toString()),
                TestTokenizers.llama2().toString(), 512, tmp.resolve("out").toString()).withMaxRejectedFraction(1));
        assertEquals(6, m.recordsRead());
        assertEquals(2, m.documents());
        assertEquals(Map.of("missing_field", 1L, "non_string_field", 1L, "empty_field", 1L, "invalid_json", 1L),
                m.rejectedByReason());
        List<String> where = new ArrayList<>();
        try (var files = Files.list(tmp.resolve("out/rejected"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
                for (String line : Files.readAllLines(f)) {
                    var n = JSON.readTree(line);
                    where.add(n.get("line").asLong() + ":" + n.get("reason").asText());
                }
            }
        }
        where.sort(null);
        assertEquals(List.of("2:missing_field", "3:non_string_field", "4:empty_field", "6:invalid_json"), where);
    }

    @Test
    void manyExamplesInOneJsonArrayKeepTheirOrderAcrossParallelBlocks() throws IOException {
        List<Map<String, Object>> many = new ArrayList<>();
        for (int i = 0; i < 2600; i++) {
            many.add(ex("Echo number " + i, i % 3 == 0 ? "input " + i : null, "n" + i));
        }
        Path in = tmp.resolve("many.json");
        JSON.writeValue(in.toFile(), many);
        SftManifest m = PrepSftJob.run(spark, PrepSftOptions.of(List.of(in.toString()),
                TestTokenizers.llama2().toString(), 256, tmp.resolve("out").toString()).withValFraction(0.1));
        assertEquals(2600, m.documents());
        List<Integer> trainOrder = new ArrayList<>();
        for (Row r : ShardRows.read(spark, tmp.resolve("out/train"))) {
            int[] ids = ShardRows.ints(r, "input_ids");
            int p = r.getInt(r.fieldIndex("prompt_length"));
            String out = tok.decode(Arrays.copyOfRange(ids, p, ids.length - 1)).strip();
            trainOrder.add(Integer.parseInt(out.substring(out.indexOf('n') + 1)));
        }
        assertEquals(m.splits().get("train").documents(), trainOrder.size());
        List<Integer> sorted = new ArrayList<>(trainOrder);
        sorted.sort(null);
        assertEquals(sorted, trainOrder, "rows follow input order");
        assertTrue(m.splits().get("validation").documents() > 150, "about 10% in validation");
    }

    @Test
    void brokenJsonArrayFailsNamingFileAndLine() throws IOException {
        Path in = tmp.resolve("broken.json");
        Files.writeString(in, "[\n" + JSON.writeValueAsString(ex("a", null, "b")) + ",\n{\"instruction\": \"c\",\n");
        BadInputException e = assertThrows(BadInputException.class, () -> PrepSftJob.run(spark,
                PrepSftOptions.of(List.of(in.toString()), TestTokenizers.llama2().toString(), 64,
                        tmp.resolve("out").toString())));
        assertTrue(e.getMessage().contains("broken.json") && e.getMessage().contains("line"), e.getMessage());
    }
}
