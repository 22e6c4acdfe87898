package dev.sinklora.spark;

import dev.sinklora.model.io.safetensors.ByteRangeSource;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A file on a Hadoop {@link FileSystem} read with positioned reads ({@code PositionedReadable.readFully}), which
 * Hadoop streams implement without sharing a file pointer between callers.
 */
final class HadoopByteRangeSource implements ByteRangeSource {

    private static final int COPY_CHUNK = 1 << 20;

    private final Path path;
    private final FSDataInputStream in;
    private final long size;

    HadoopByteRangeSource(FileSystem fs, Path path) throws IOException {
        this.path = path;
        this.size = fs.getFileStatus(path).getLen();
        this.in = fs.open(path);
    }

    @Override
    public String describe() {
        return path.toString();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void readFully(long position, ByteBuffer dst) throws IOException {
        int n = dst.remaining();
        if (position < 0 || position + n > size) {
            throw new EOFException(path + ": wanted bytes [" + position + ", " + (position + n) + ") of a "
                    + size + "-byte file");
        }
        if (dst.hasArray()) {
            in.readFully(position, dst.array(), dst.arrayOffset() + dst.position(), n);
            dst.position(dst.limit());
            return;
        }
        byte[] buf = new byte[Math.min(n, COPY_CHUNK)];
        long pos = position;
        while (dst.hasRemaining()) {
            int k = Math.min(buf.length, dst.remaining());
            in.readFully(pos, buf, 0, k);
            dst.put(buf, 0, k);
            pos += k;
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
