package dev.sinklora.prep.sft;

import org.apache.spark.Partitioner;

/**
 * A record's place in the input as one sortable long: split index in the high 24 bits, ordinal
 * within the split in the low 40. Records are grouped in blocks of {@value #BLOCK} consecutive
 * records, the unit that is counted and placed in the output order.
 */
final class RecordKeys {
    static final int BLOCK_BITS = 10;
    static final int BLOCK = 1 << BLOCK_BITS;
    private static final int ORDINAL_BITS = 40;

    private RecordKeys() {
    }

    static long key(int split, long ordinal) {
        if (split >= 1 << 23 || ordinal >= 1L << ORDINAL_BITS) {
            throw new IllegalArgumentException("too many inputs: split " + split + ", record " + ordinal);
        }
        return ((long) split << ORDINAL_BITS) | ordinal;
    }

    static long block(long key) {
        return key >>> BLOCK_BITS;
    }

    /** Spreads whole blocks over partitions (a block is never split, so its records stay in order). */
    static final class BlockPartitioner extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int partitions;

        BlockPartitioner(int partitions) {
            this.partitions = partitions;
        }

        @Override
        public int numPartitions() {
            return partitions;
        }

        @Override
        public int getPartition(Object key) {
            long b = block((Long) key);
            long h = (b ^ (b >>> 29)) * 0xBF58476D1CE4E5B9L;
            return (int) Math.floorMod(h ^ (h >>> 32), (long) partitions);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BlockPartitioner p && p.partitions == partitions;
        }

        @Override
        public int hashCode() {
            return partitions;
        }
    }
}
