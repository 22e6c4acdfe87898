package dev.sinklora.model.io.safetensors;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Random-access bytes a safetensors file is read from: a local file today, a Hadoop {@code FileSystem} stream later.
 * Implementations must allow concurrent {@link #readFully} calls from several threads.
 */
public interface ByteRangeSource extends Closeable {

    /** What to call this source in error messages (normally its path). */
    String describe();

    /** Total length in bytes. */
    long size() throws IOException;

    /**
     * Fills {@code dst} from its position to its limit with the bytes starting at {@code position}.
     *
     * @throws java.io.EOFException if the source ends before {@code dst} is full
     */
    void readFully(long position, ByteBuffer dst) throws IOException;
}
