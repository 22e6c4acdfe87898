package dev.sinklora.prep.spark;

import org.apache.spark.Partitioner;

/**
 * Sends a {@code Long} key (a token position in the stream, or an output row number) to shard
 * {@code key / keysPerShard}, so shards hold consecutive key ranges.
 */
public final class ShardPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final long keysPerShard;
    private final int shards;
    private final String keyName;

    /** @param keyName what a key is, for the error message ("position", "row") */
    public ShardPartitioner(long keysPerShard, int shards, String keyName) {
        this.keysPerShard = keysPerShard;
        this.shards = shards;
        this.keyName = keyName;
    }

    @Override
    public int numPartitions() {
        return shards;
    }

    @Override
    public int getPartition(Object key) {
        long shard = (Long) key / keysPerShard;
        if (shard < 0 || shard >= shards) {
            throw new IllegalStateException(keyName + " " + key + " is outside the " + shards + " shards");
        }
        return (int) shard;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ShardPartitioner p && p.keysPerShard == keysPerShard && p.shards == shards;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(keysPerShard) * 31 + shards;
    }
}
