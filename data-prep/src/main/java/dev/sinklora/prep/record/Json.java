package dev.sinklora.prep.record;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The JSON mappers of the data jobs. Jackson 2.15 refuses strings over 20M characters by
 * default; a long-context document can be larger, so that limit is lifted here.
 */
public final class Json {
    /** For input records: no string-length limit, trailing garbage after the object is an error. */
    public static final ObjectMapper RECORDS = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** For streaming parsers over whole files (a JSON array): no string-length limit. */
    public static final ObjectMapper STREAM = new ObjectMapper();

    /** For manifests: snake_case field names, pretty-printed. */
    public static final ObjectMapper MANIFEST = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    static {
        StreamReadConstraints unlimited = StreamReadConstraints.builder()
                .maxStringLength(Integer.MAX_VALUE)
                .maxNumberLength(Integer.MAX_VALUE)
                .build();
        RECORDS.getFactory().setStreamReadConstraints(unlimited);
        STREAM.getFactory().setStreamReadConstraints(unlimited);
        MANIFEST.getFactory().setStreamReadConstraints(unlimited);
    }

    private Json() {
    }
}
