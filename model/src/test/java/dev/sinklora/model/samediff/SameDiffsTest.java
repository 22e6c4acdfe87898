package dev.sinklora.model.samediff;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SameDiffsTest {

    @Test
    void dropsOnlyTheGradFunctionLinesAndPassesPartialLinesThrough() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream filtered = new PrintStream(new SameDiffs.LineFilter(new PrintStream(sink, true, StandardCharsets.UTF_8)),
                true, StandardCharsets.UTF_8);
        filtered.println("Added differentiated op matmul_3");
        filtered.println("{\"mean_nll\": 1.5}");
        filtered.print("Added");           // a prefix of the noise, then something else on the same line
        filtered.println(" value is kept");
        filtered.print("streamed ");       // partial line flushed as it comes
        filtered.flush();
        assertEquals("{\"mean_nll\": 1.5}\nAdded value is kept\nstreamed ", sink.toString(StandardCharsets.UTF_8));
        filtered.println("text");
        filtered.println("Added differentiated op softmax");
        assertEquals("{\"mean_nll\": 1.5}\nAdded value is kept\nstreamed text\n", sink.toString(StandardCharsets.UTF_8));
    }
}
