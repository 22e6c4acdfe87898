package dev.sinklora.model.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileByteRangeSourceTest {

    @TempDir
    Path dir;

    @Test
    void readsRangesAtAnyPositionAndReportsSize() throws IOException {
        Path f = Files.write(dir.resolve("bytes"), new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
        try (FileByteRangeSource src = new FileByteRangeSource(f)) {
            assertEquals(10, src.size());
            assertEquals(f.toString(), src.describe());
            ByteBuffer buf = ByteBuffer.allocate(6);
            buf.position(2).limit(5);
            src.readFully(7, buf); // fills only position..limit
            assertArrayEquals(new byte[] {0, 0, 7, 8, 9, 0}, buf.array());
            ByteBuffer direct = ByteBuffer.allocateDirect(3);
            src.readFully(2, direct);
            assertEquals(0, direct.remaining());
            assertEquals(4, direct.get(2));
        }
    }

    @Test
    void readingPastTheEndIsAnEofNamingTheFile() throws IOException {
        Path f = Files.write(dir.resolve("short"), new byte[] {1, 2, 3});
        try (FileByteRangeSource src = new FileByteRangeSource(f)) {
            EOFException e = assertThrows(EOFException.class, () -> src.readFully(1, ByteBuffer.allocate(5)));
            assertTrue(e.getMessage().contains("short"), e.getMessage());
        }
    }
}
