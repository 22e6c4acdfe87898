package dev.sinklora.model.io.safetensors;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits writer entries into shards by stored byte size: greedily in entry order, starting a new shard when the
 * next tensor would push the current one past the limit. A tensor larger than the limit gets a shard of its own.
 */
final class ShardPlanner {
    private ShardPlanner() {
    }

    static List<List<SafetensorsWriter.Entry>> plan(List<SafetensorsWriter.Entry> entries, long maxShardBytes) {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive, got " + maxShardBytes);
        }
        List<List<SafetensorsWriter.Entry>> shards = new ArrayList<>();
        List<SafetensorsWriter.Entry> current = new ArrayList<>();
        long currentBytes = 0;
        for (SafetensorsWriter.Entry e : entries) {
            long bytes = e.byteLength();
            if (!current.isEmpty() && currentBytes + bytes > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(e);
            currentBytes += bytes;
        }
        if (!current.isEmpty() || shards.isEmpty()) {
            shards.add(current);
        }
        return shards;
    }

    /** The Hugging Face shard file name, e.g. {@code model-00002-of-00005.safetensors}. */
    static String shardFileName(int index, int count) {
        return String.format("model-%05d-of-%05d.safetensors", index + 1, count);
    }
}
