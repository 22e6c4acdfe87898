package dev.sinklora.train.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.attention.AttentionMode;
import dev.sinklora.model.lora.LoraConfig;
import dev.sinklora.model.lora.TrainableExtra;
import dev.sinklora.train.RecomputeMode;

import java.io.IOException;
import java.util.function.Function;

/**
 * {@link TrainConfig} as JSON, by Jackson from the records themselves: snake_case fields grouped as the records are
 * ({@code {"model": {"base": ..., "attention": "sf", "group_size": 8, ...}, "lora": {...}, "optimizer": {...},
 * "data": {...}, "run": {...}}}), modes by their CLI names. LoRA's dropout is not written (training applies none).
 * Reading runs the records' validation, so a hand-edited config is checked like the command line.
 */
public final class TrainConfigJson {

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .addMixIn(LoraConfig.class, LoraConfigMixin.class)
            .registerModule(new SimpleModule("sinklora-modes")
                    .addSerializer(AttentionMode.class, by(AttentionMode::cliName))
                    .addDeserializer(AttentionMode.class, from(AttentionMode::parse))
                    .addSerializer(RecomputeMode.class, by(RecomputeMode::cliName))
                    .addDeserializer(RecomputeMode.class, from(RecomputeMode::parse))
                    .addSerializer(TrainableExtra.class, by(TrainableExtra::cliName))
                    .addDeserializer(TrainableExtra.class, from(TrainableExtra::parse)));

    private TrainConfigJson() {
    }

    /** The config, or one of its groups, as JSON. */
    public static JsonNode toTree(Record config) {
        return JSON.valueToTree(config);
    }

    /**
     * Reads a config written by {@link #toTree}.
     *
     * @throws BadInputException naming {@code source} and the reason, for a config that is malformed or invalid
     */
    public static TrainConfig fromTree(JsonNode n, String source) {
        try {
            return JSON.treeToValue(n, TrainConfig.class);
        } catch (JsonProcessingException e) {
            Throwable cause = e.getCause();
            String why = cause instanceof BadInputException ? cause.getMessage() : e.getOriginalMessage();
            throw new BadInputException(source + ": not a valid run config (" + why.lines().findFirst().orElse(why)
                    + ")", e);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(source + ": not a valid run config (" + e.getMessage() + ")", e);
        }
    }

    /** LoRA's dropout stays out of the run config; read back as 0. */
    @JsonIgnoreProperties({"dropout"})
    private abstract static class LoraConfigMixin {
    }

    private static <T> JsonSerializer<T> by(Function<T, String> name) {
        return new JsonSerializer<>() {
            @Override
            public void serialize(T value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
                gen.writeString(name.apply(value));
            }
        };
    }

    private static <T> JsonDeserializer<T> from(Function<String, T> parse) {
        return new JsonDeserializer<>() {
            @Override
            public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                return parse.apply(p.getValueAsString());
            }
        };
    }
}
