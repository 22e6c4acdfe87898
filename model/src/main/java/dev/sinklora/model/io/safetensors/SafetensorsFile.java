package dev.sinklora.model.io.safetensors;

import dev.sinklora.model.BadInputException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One open safetensors file: its validated header, and tensor loads that read only the requested tensor's bytes
 * (in chunks, straight into the result's memory). Loads may run concurrently from several threads.
 */
public final class SafetensorsFile implements Closeable {
    private final ByteRangeSource source;
    private final SafetensorsHeader header;

    private SafetensorsFile(ByteRangeSource source, SafetensorsHeader header) {
        this.source = source;
        this.header = header;
    }

    /** Opens and validates a local file. */
    public static SafetensorsFile open(Path path) throws IOException {
        return open(new FileByteRangeSource(path));
    }

    /**
     * Opens and validates a file read through {@code source}, which the result then owns (closed by
     * {@link #close()}, or right away if the header is rejected).
     *
     * @throws BadInputException if the header is malformed or inconsistent with the file's length
     */
    public static SafetensorsFile open(ByteRangeSource source) throws IOException {
        try {
            return new SafetensorsFile(source, SafetensorsHeader.read(source));
        } catch (IOException | RuntimeException e) {
            try {
                source.close();
            } catch (IOException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            throw e;
        }
    }

    /** What the file is called in messages (its path). */
    public String describe() {
        return source.describe();
    }

    /** The tensors in header order; {@code __metadata__} is not among them. */
    public Map<String, TensorInfo> tensors() {
        return header.tensors();
    }

    /** The header's {@code __metadata__} strings (empty if there are none). */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    public boolean contains(String name) {
        return header.tensors().containsKey(name);
    }

    /** @throws BadInputException if the file has no tensor {@code name} */
    public TensorInfo info(String name) {
        TensorInfo info = header.tensors().get(name);
        if (info == null) {
            throw new BadInputException(describe() + ": no tensor '" + name + "' (file holds "
                    + header.tensors().size() + " tensors)");
        }
        return info;
    }

    /**
     * The tensor as a new detached FLOAT, c-ordered array of the stored shape; F16 and BF16 are widened exactly.
     */
    public INDArray load(String name) throws IOException {
        TensorInfo info = info(name);
        INDArray array = Nd4j.createUninitializedDetached(DataType.FLOAT, 'c', info.shape());
        if (info.numel() > 0) {
            TensorCodec.DEFAULT.decode(source, dataPosition(info), info.dtype(), info.numel(),
                    FloatWindows.of(array));
            Nd4j.getAffinityManager().tagLocation(array, AffinityManager.Location.HOST);
        }
        return array;
    }

    /**
     * The tensor as a new detached, c-ordered array of the stored shape <em>and dtype</em> (F32 -> FLOAT,
     * F16 -> HALF, BF16 -> BFLOAT16): the stored bytes copied unchanged, in chunks, straight into the result's
     * native memory. For weights kept in their checkpoint precision (half the memory of {@link #load}).
     */
    public INDArray loadStored(String name) throws IOException {
        TensorInfo info = info(name);
        if (info.dtype() == DType.F32 || ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            INDArray wide = load(name);
            return info.dtype() == DType.F32 ? wide : wide.castTo(info.dtype().nd4j());
        }
        INDArray array = Nd4j.createUninitializedDetached(info.dtype().nd4j(), 'c', info.shape());
        long total = info.numel() * info.dtype().byteSize();
        if (total > 0) {
            BytePointer bytes = array.data().addressPointer().getPointer(BytePointer.class, 0);
            for (long done = 0; done < total; ) {
                long n = Math.min(TensorCodec.DEFAULT_CHUNK_BYTES, total - done);
                bytes.position(done).limit(done + n);
                source.readFully(dataPosition(info) + done, bytes.asByteBuffer());
                done += n;
            }
            Nd4j.getAffinityManager().tagLocation(array, AffinityManager.Location.HOST);
        }
        return array;
    }

    /** The tensor's elements in c order as a Java array; for tensors small enough to fit one. */
    public float[] loadFloats(String name) throws IOException {
        TensorInfo info = info(name);
        if (info.numel() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(describe() + ": tensor '" + name + "' has " + info.numel()
                    + " elements, too many for a float[]; use load()");
        }
        float[] values = new float[(int) info.numel()];
        TensorCodec.DEFAULT.decode(source, dataPosition(info), info.dtype(), info.numel(), FloatWindows.of(values));
        return values;
    }

    private long dataPosition(TensorInfo info) {
        return header.dataStart() + info.begin();
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
