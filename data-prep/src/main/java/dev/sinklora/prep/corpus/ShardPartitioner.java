package dev.sinklora.prep.corpus;

import org.apache.spark.Partitioner;

/** Sends a chunk (keyed by stream position) to the shard holding that position. */
final class ShardPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final long shardTokens;
    private final int shards;

    ShardPartitioner(long shardTokens, int shards) {
        this.shardTokens = shardTokens;
        this.shards = shards;
    }

    @Override
    public int numPartitions() {
        return shards;
    }

    @Override
    public int getPartition(Object key) {
        long shard = (Long) key / shardTokens;
        if (shard < 0 || shard >= shards) {
            throw new IllegalStateException("position " + key + " is outside the " + shards + " shards");
        }
        return (int) shard;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ShardPartitioner p && p.shardTokens == shardTokens && p.shards == shards;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(shardTokens) * 31 + shards;
    }
}
