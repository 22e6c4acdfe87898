package dev.sinklora.prep.corpus;

import org.apache.spark.api.java.function.Function2;
import scala.Tuple2;

import java.util.Iterator;

/** Shard task: turns the shard's sorted chunks into rows with a {@link RowAssembler}. */
final class AssembleShard implements Function2<Integer, Iterator<Tuple2<Long, PackChunk>>, Iterator<PackedRow>> {
    private static final long serialVersionUID = 1L;
    private final int seqLen;
    private final long rowsPerShard;
    private final long totalRows;
    private final int padId;

    AssembleShard(int seqLen, long rowsPerShard, long totalRows, int padId) {
        this.seqLen = seqLen;
        this.rowsPerShard = rowsPerShard;
        this.totalRows = totalRows;
        this.padId = padId;
    }

    @Override
    public Iterator<PackedRow> call(Integer shard, Iterator<Tuple2<Long, PackChunk>> chunks) {
        long firstRow = shard * rowsPerShard;
        long rows = Math.min(rowsPerShard, totalRows - firstRow);
        Iterator<PackChunk> values = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return chunks.hasNext();
            }

            @Override
            public PackChunk next() {
                return chunks.next()._2();
            }
        };
        return new RowAssembler(values, seqLen, firstRow, rows, padId);
    }
}
