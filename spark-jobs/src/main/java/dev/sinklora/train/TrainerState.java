package dev.sinklora.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinklora.model.BadInputException;
import dev.sinklora.model.io.JsonFiles;
import dev.sinklora.train.config.TrainConfig;
import dev.sinklora.train.config.TrainConfigJson;

import java.io.IOException;

/**
 * {@code trainer_state.json} of a checkpoint: where training stands and the run's resolved config.
 *
 * @param step        optimizer steps each worker has taken ({@code round * averaging frequency})
 * @param round       averaging rounds done
 * @param tokensSeen  tokens that took loss, over all workers
 * @param loss        mean training loss of the last round
 * @param iteration   DL4J iteration counter (drives the learning-rate schedule)
 * @param epoch       DL4J epoch counter
 * @param config      the run's resolved config ({@link TrainConfigJson}, under {@code "config"}); null for a
 *                    checkpoint written before the run config existed (it has {@code "hyperparameters"} instead),
 *                    which cannot be resumed
 */
public record TrainerState(long step, long round, long tokensSeen, double loss, double elapsedSeconds,
                           int iteration, int epoch, TrainConfig config) {

    public static final String FILE_NAME = "trainer_state.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public String toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("step", step);
        n.put("round", round);
        n.put("tokens_seen", tokensSeen);
        n.put("loss", loss);
        n.put("elapsed_seconds", elapsedSeconds);
        n.put("iteration", iteration);
        n.put("epoch", epoch);
        n.set("config", TrainConfigJson.toTree(config));
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static TrainerState parse(byte[] json, String source) {
        JsonNode n = JsonFiles.parseObject(json, source);
        for (String field : new String[]{"step", "round", "tokens_seen", "loss", "elapsed_seconds", "iteration",
                "epoch"}) {
            if (!n.hasNonNull(field)) {
                throw new BadInputException(source + ": not a valid " + FILE_NAME + " (no '" + field + "')");
            }
        }
        return new TrainerState(n.get("step").asLong(), n.get("round").asLong(), n.get("tokens_seen").asLong(),
                n.get("loss").asDouble(), n.get("elapsed_seconds").asDouble(), n.get("iteration").asInt(),
                n.get("epoch").asInt(), n.hasNonNull("config") ? TrainConfigJson.fromTree(n.get("config"), source) : null);
    }
}
