package dev.sinklora.prep.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinklora.model.BadInputException;
import dev.sinklora.testing.SparkTestSession;
import dev.sinklora.testing.TestTokenizers;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every kind of bad record reaches OUT/rejected/ with source, position, reason and raw bytes. */
class RejectedRecordsTest {
    static SparkSession spark;

    @TempDir
    Path tmp;

    @BeforeAll
    static void setUp() {
        spark = SparkTestSession.get();
    }

    /** One JSONL line per kind of bad record, blank lines in between (not records). */
    static byte[] badJsonl() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        String[] lines = {
                "{\"text\": \"a good document\"}",               // 1 ok
                "",                                                 // 2 blank: not a record
                "{\"text\": \"unterminated",                       // 3 invalid_json
                "{\"body\": \"no text field\"}",                   // 4 missing_text
                "{\"text\": null}",                                 // 5 missing_text
                "{\"text\": 42}",                                   // 6 non_string_text
                "{\"text\": {\"nested\": true}}",                   // 7 non_string_text
                "{\"text\": \"\"}",                                 // 8 empty_text
                "{\"text\": \" \\n\\t \"}",                         // 9 empty_text
                null,                                               // 10 undecodable_bytes (written below)
                "[1, 2, 3]",                                        // 11 not_an_object
                "{\"text\": \"lone \\ud800 surrogate\"}",           // 12 invalid_unicode
                "{\"text\": \"x\"} {\"text\": \"y\"}",              // 13 invalid_json (trailing content)
                "   \t ",                                           // 14 blank
                "{\"text\": \"another good one\"}\r",               // 15 ok (CRLF)
        };
        for (String l : lines) {
            if (l == null) {
                b.write("{\"text\": \"bad ".getBytes(StandardCharsets.UTF_8));
                b.write(new byte[]{(byte) 0xFF, (byte) 0xFE});
                b.write(" bytes\"}".getBytes(StandardCharsets.UTF_8));
            } else {
                b.write(l.getBytes(StandardCharsets.UTF_8));
            }
            b.write('\n');
        }
        return b.toByteArray();
    }

    @Test
    void everyBadRecordIsAccountedForWithFileLineAndReason() throws IOException {
        Path in = Files.createDirectories(tmp.resolve("in"));
        Files.write(in.resolve("a.jsonl"), badJsonl());
        Files.write(in.resolve("b.txt"), new byte[]{'o', 'k', (byte) 0xC3});      // truncated UTF-8
        Files.write(in.resolve("c.txt"), new byte[0]);                               // empty document
        Files.writeString(in.resolve("d.txt"), "a good text file");
        spark.createDataFrame(List.of(RowFactory.create("good parquet"), RowFactory.create((Object) null),
                        RowFactory.create("")), new StructType().add("text", "string"))
                .coalesce(1).write().parquet(in.resolve("e").toString());

        PrepCorpusOptions o = PrepCorpusOptions.of(List.of(in.toString()), TestTokenizers.llama2().toString(), 32,
                tmp.resolve("out").toString()).withMaxRejectedFraction(1).withMaxSplitBytes(60);
        CorpusManifest m = PrepCorpusJob.run(spark, o);

        long recordsRead = 13 /* non-blank lines */ + 3 /* text files */ + 3 /* parquet rows */;
        assertEquals(recordsRead, m.recordsRead());
        assertEquals(m.recordsRead(), m.documents() + m.rejected());
        assertEquals(4, m.documents());
        Map<String, Long> expected = new TreeMap<>(Map.of(
                "invalid_json", 2L, "missing_text", 3L, "non_string_text", 2L, "empty_text", 4L,
                "undecodable_bytes", 2L, "not_an_object", 1L, "invalid_unicode", 1L));
        assertEquals(expected, new TreeMap<>(m.rejectedByReason()));

        List<JsonNode> rejected = readRejected(tmp.resolve("out/rejected"));
        assertEquals(m.rejected(), rejected.size());
        Map<String, String> byPosition = new TreeMap<>();
        for (JsonNode r : rejected) {
            String src = r.get("source").asText();
            assertTrue(src.startsWith("file:/"), src);
            assertFalse(r.get("detail").asText().isBlank());
            String where = src.substring(src.indexOf("/in/") + 4).replaceAll("/part-.*", "/part")
                    + (r.has("line") ? ":" + r.get("line").asLong() : "") + (r.has("row") ? "#" + r.get("row").asLong() : "");
            byPosition.put(where, r.get("reason").asText());
        }
        assertEquals(new TreeMap<>(Map.ofEntries(
                Map.entry("a.jsonl:3", "invalid_json"), Map.entry("a.jsonl:4", "missing_text"),
                Map.entry("a.jsonl:5", "missing_text"), Map.entry("a.jsonl:6", "non_string_text"),
                Map.entry("a.jsonl:7", "non_string_text"), Map.entry("a.jsonl:8", "empty_text"),
                Map.entry("a.jsonl:9", "empty_text"), Map.entry("a.jsonl:10", "undecodable_bytes"),
                Map.entry("a.jsonl:11", "not_an_object"), Map.entry("a.jsonl:12", "invalid_unicode"),
                Map.entry("a.jsonl:13", "invalid_json"), Map.entry("b.txt", "undecodable_bytes"),
                Map.entry("c.txt", "empty_text"), Map.entry("e/part#2", "missing_text"),
                Map.entry("e/part#3", "empty_text"))), byPosition);

        JsonNode undecodable = rejected.stream().filter(r -> r.path("line").asLong() == 10).findFirst().orElseThrow();
        assertFalse(undecodable.has("raw"));
        byte[] raw = Base64.getDecoder().decode(undecodable.get("raw_base64").asText());
        assertArrayEquals(lineBytes(badJsonl(), 10), raw, "raw bytes kept exactly");
        JsonNode invalid = rejected.stream().filter(r -> r.path("line").asLong() == 3).findFirst().orElseThrow();
        assertEquals("{\"text\": \"unterminated", invalid.get("raw").asText());
        assertEquals(lineOffset(badJsonl(), 3), invalid.get("byte_offset").asLong());
    }

    @Test
    void tooManyRejectedRecordsFailTheJobAndCommitNothing() throws IOException {
        Path in = tmp.resolve("in.jsonl");
        Files.write(in, badJsonl());
        PrepCorpusOptions o = PrepCorpusOptions.of(List.of(in.toString()), TestTokenizers.llama2().toString(), 32,
                tmp.resolve("out").toString()).withMaxRejectedFraction(0.5);
        BadInputException e = assertThrows(BadInputException.class, () -> PrepCorpusJob.run(spark, o));
        assertTrue(e.getMessage().contains("11 of 13 records rejected"), e.getMessage());
        assertTrue(e.getMessage().contains("--max-rejected-fraction 0.5"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("out/manifest.json")));
        assertFalse(Files.exists(tmp.resolve("out/train")));
        try (Stream<Path> staged = Files.list(tmp.resolve("out"))) {
            Path staging = staged.filter(p -> p.getFileName().toString().startsWith("_staging")).findFirst().orElseThrow();
            assertEquals(11, readRejected(staging.resolve("rejected")).size(), "kept for inspection");
        }

        CorpusManifest tolerant = PrepCorpusJob.run(spark, o.withMaxRejectedFraction(0.9));
        assertEquals(2, tolerant.documents());
        try (Stream<Path> s = Files.list(tmp.resolve("out"))) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith("_staging")),
                    "the failed run's staging is cleaned by the next successful commit");
        }
    }

    static List<JsonNode> readRejected(Path dir) throws IOException {
        ObjectMapper m = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
                for (String line : Files.readAllLines(f)) {
                    out.add(m.readTree(line));
                }
            }
        }
        return out;
    }

    /** The bytes of 1-based line {@code n}. */
    static byte[] lineBytes(byte[] all, int n) {
        int start = (int) lineOffset(all, n);
        int end = start;
        while (all[end] != '\n') {
            end++;
        }
        return java.util.Arrays.copyOfRange(all, start, end);
    }

    static long lineOffset(byte[] all, int n) {
        int line = 1;
        for (int i = 0; i < all.length; i++) {
            if (line == n) {
                return i;
            }
            if (all[i] == '\n') {
                line++;
            }
        }
        throw new IllegalArgumentException("no line " + n);
    }
}
