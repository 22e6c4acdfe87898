package dev.sinklora.model.io.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Hand-crafts safetensors files byte by byte, including malformed ones the writer would never produce. */
final class RawSafetensors {
    private RawSafetensors() {
    }

    /** A file with a correct length prefix, the given header JSON, and {@code data} as the data section. */
    static Path write(Path file, String headerJson, byte[] data) throws IOException {
        byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
        return write(file, header.length, header, data);
    }

    /** A file whose length prefix says {@code declaredHeaderLength}, whatever follows. */
    static Path write(Path file, long declaredHeaderLength, byte[] header, byte[] data) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(declaredHeaderLength).put(header).put(data);
        Files.write(file, buf.array());
        return file;
    }

    /** Little-endian F32 bytes of {@code values}. */
    static byte[] f32(float... values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putFloat(v);
        }
        return buf.array();
    }
}
