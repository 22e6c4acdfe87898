package dev.sinklora.model.io.safetensors;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.BytePointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Windows onto a run of float elements, so tensor data can be converted chunk by chunk straight into (or out of)
 * its final home: a Java {@code float[]} or the native memory of an ND4J array, which may exceed 2^31 bytes.
 * A window is valid until the next call; instances are not thread-safe.
 */
interface FloatWindows {

    /** Elements {@code [first, first + count)} as a buffer positioned at 0 with capacity {@code count}. */
    FloatBuffer window(long first, int count);

    static FloatWindows of(float[] array) {
        return (first, count) -> FloatBuffer.wrap(array, Math.toIntExact(first), count).slice();
    }

    /**
     * The native memory of {@code array}, which must be a FLOAT, c-ordered array owning its buffer from offset 0
     * (not a view) and non-empty. The caller keeps {@code array} reachable while windows are in use.
     */
    static FloatWindows of(INDArray array) {
        if (array.dataType() != DataType.FLOAT || array.ordering() != 'c' || array.isView()
                || array.data().offset() != 0 || array.isEmpty()) {
            throw new IllegalArgumentException("need a non-empty, non-view, c-ordered FLOAT array, got "
                    + array.shapeInfoToString());
        }
        BytePointer bytes = array.data().addressPointer().getPointer(BytePointer.class, 0);
        return (first, count) -> {
            long start = first * Float.BYTES;
            bytes.position(start).limit(start + (long) count * Float.BYTES);
            return bytes.asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
        };
    }
}
