package dev.sinklora.model.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Chunked conversion with chunk sizes that do not divide the tensor, into both kinds of destination. */
class TensorCodecTest {

    @TempDir
    Path dir;

    private static final float[] VALUES = {1f, -2.5f, 0.1f, 65504f, 0x1p-24f, -0f, 3e-3f, 1024.75f, 7f, -0.333f, 42f};

    private static byte[] littleEndian(DType dtype, float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * dtype.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            switch (dtype) {
                case F32 -> buf.putFloat(v);
                case F16 -> buf.putShort(HalfFloats.f32ToF16(v));
                case BF16 -> buf.putShort(HalfFloats.f32ToBf16(v));
            }
        }
        return buf.array();
    }

    private static float[] roundTripped(DType dtype, float[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = switch (dtype) {
                case F32 -> values[i];
                case F16 -> HalfFloats.f16ToF32(HalfFloats.f32ToF16(values[i]));
                case BF16 -> HalfFloats.bf16ToF32(HalfFloats.f32ToBf16(values[i]));
            };
        }
        return out;
    }

    @Test
    void decodesFromAnOffsetInSmallChunksIntoArraysAndNativeMemory() throws IOException {
        for (DType dtype : DType.values()) {
            byte[] stored = littleEndian(dtype, VALUES);
            byte[] withPrefix = new byte[5 + stored.length];
            System.arraycopy(stored, 0, withPrefix, 5, stored.length);
            Path file = dir.resolve(dtype + ".bin");
            Files.write(file, withPrefix);
            float[] expected = roundTripped(dtype, VALUES);
            for (int chunkBytes : new int[] {4, 6, 12, 1 << 20}) {
                TensorCodec codec = new TensorCodec(chunkBytes);
                try (FileByteRangeSource src = new FileByteRangeSource(file)) {
                    float[] intoArray = new float[VALUES.length];
                    codec.decode(src, 5, dtype, VALUES.length, FloatWindows.of(intoArray));
                    assertArrayEquals(expected, intoArray, dtype + " chunk " + chunkBytes);

                    INDArray intoNative = Nd4j.createUninitializedDetached(DataType.FLOAT, 'c', VALUES.length);
                    codec.decode(src, 5, dtype, VALUES.length, FloatWindows.of(intoNative));
                    assertArrayEquals(expected, intoNative.toFloatVector(), dtype + " chunk " + chunkBytes);
                }
            }
        }
    }

    @Test
    void encodesInSmallChunksFromArraysAndNativeMemory() throws IOException {
        for (DType dtype : DType.values()) {
            byte[] expected = littleEndian(dtype, VALUES);
            for (int chunkBytes : new int[] {4, 6, 12, 1 << 20}) {
                TensorCodec codec = new TensorCodec(chunkBytes);
                ByteArrayOutputStream fromArray = new ByteArrayOutputStream();
                codec.encode(FloatWindows.of(VALUES), VALUES.length, dtype, fromArray);
                assertArrayEquals(expected, fromArray.toByteArray(), dtype + " chunk " + chunkBytes);

                ByteArrayOutputStream fromNative = new ByteArrayOutputStream();
                codec.encode(FloatWindows.of(Nd4j.createFromArray(VALUES)), VALUES.length, dtype, fromNative);
                assertArrayEquals(expected, fromNative.toByteArray(), dtype + " chunk " + chunkBytes);
            }
        }
    }

    @Test
    void nativeWindowsRefuseArraysTheyCannotAddressDirectly() {
        INDArray matrix = Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}});
        assertThrows(IllegalArgumentException.class, () -> FloatWindows.of(matrix.transpose().dup('f')));
        assertThrows(IllegalArgumentException.class, () -> FloatWindows.of(matrix.getRow(1)));
        assertThrows(IllegalArgumentException.class, () -> FloatWindows.of(matrix.castTo(DataType.DOUBLE)));
        assertEquals(6f, FloatWindows.of(matrix).window(5, 1).get(0));
    }

    @Test
    void rejectsChunksSmallerThanOneElement() {
        assertThrows(IllegalArgumentException.class, () -> new TensorCodec(3));
    }
}
