package dev.sinklora.model.io.safetensors;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * Moves tensor data between little-endian F32/F16/BF16 bytes and float elements in fixed-size chunks, so neither
 * side ever needs the whole tensor in one Java array. Stateless; safe to share between threads.
 */
final class TensorCodec {
    static final int DEFAULT_CHUNK_BYTES = 4 << 20;
    static final TensorCodec DEFAULT = new TensorCodec(DEFAULT_CHUNK_BYTES);

    private final int chunkBytes;

    /** @param chunkBytes bytes of stored data handled per step (at least 4, one element of any dtype) */
    TensorCodec(int chunkBytes) {
        if (chunkBytes < Float.BYTES) {
            throw new IllegalArgumentException("chunkBytes " + chunkBytes + " < " + Float.BYTES);
        }
        this.chunkBytes = chunkBytes;
    }

    /** Reads {@code numel} elements of {@code dtype} stored at {@code position} of {@code source} into {@code dst}. */
    void decode(ByteRangeSource source, long position, DType dtype, long numel, FloatWindows dst) throws IOException {
        int size = dtype.byteSize();
        int chunkElems = (int) Math.min(numel, chunkBytes / size);
        ByteBuffer buf = ByteBuffer.allocateDirect(chunkElems * size).order(ByteOrder.LITTLE_ENDIAN);
        for (long done = 0; done < numel; ) {
            int n = (int) Math.min(chunkElems, numel - done);
            buf.clear().limit(n * size);
            source.readFully(position + done * size, buf);
            buf.flip();
            FloatBuffer out = dst.window(done, n);
            switch (dtype) {
                case F32 -> out.put(buf.asFloatBuffer());
                case F16 -> {
                    ShortBuffer in = buf.asShortBuffer();
                    for (int i = 0; i < n; i++) {
                        out.put(i, HalfFloats.f16ToF32(in.get(i)));
                    }
                }
                case BF16 -> {
                    ShortBuffer in = buf.asShortBuffer();
                    for (int i = 0; i < n; i++) {
                        out.put(i, HalfFloats.bf16ToF32(in.get(i)));
                    }
                }
            }
            done += n;
        }
    }

    /** Writes {@code numel} elements of {@code src} to {@code out} as little-endian {@code dtype}. */
    void encode(FloatWindows src, long numel, DType dtype, OutputStream out) throws IOException {
        int size = dtype.byteSize();
        int chunkElems = (int) Math.min(numel, chunkBytes / size);
        byte[] bytes = new byte[chunkElems * size];
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (long done = 0; done < numel; ) {
            int n = (int) Math.min(chunkElems, numel - done);
            FloatBuffer in = src.window(done, n);
            switch (dtype) {
                case F32 -> buf.asFloatBuffer().put(in);
                case F16 -> {
                    ShortBuffer s = buf.asShortBuffer();
                    for (int i = 0; i < n; i++) {
                        s.put(i, HalfFloats.f32ToF16(in.get(i)));
                    }
                }
                case BF16 -> {
                    ShortBuffer s = buf.asShortBuffer();
                    for (int i = 0; i < n; i++) {
                        s.put(i, HalfFloats.f32ToBf16(in.get(i)));
                    }
                }
            }
            out.write(bytes, 0, n * size);
            done += n;
        }
    }
}
