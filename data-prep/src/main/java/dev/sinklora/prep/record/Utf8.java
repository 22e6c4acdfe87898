package dev.sinklora.prep.record;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict UTF-8: bad bytes are an error (Java's default silently replaces them with U+FFFD). */
public final class Utf8 {
    private static final ThreadLocal<CharsetDecoder> DECODER = ThreadLocal.withInitial(() ->
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT));

    private Utf8() {
    }

    public static String decodeStrict(byte[] bytes) throws CharacterCodingException {
        return decodeStrict(bytes, 0, bytes.length);
    }

    public static String decodeStrict(byte[] bytes, int off, int len) throws CharacterCodingException {
        CharsetDecoder d = DECODER.get();
        d.reset();
        return d.decode(ByteBuffer.wrap(bytes, off, len)).toString();
    }

    /** "invalid UTF-8 at byte N" for a failed {@link #decodeStrict}. */
    public static String describeError(byte[] bytes, int off, int len) {
        CharsetDecoder d = DECODER.get();
        d.reset();
        ByteBuffer in = ByteBuffer.wrap(bytes, off, len);
        CharBuffer out = CharBuffer.allocate(Math.max(16, len));
        java.nio.charset.CoderResult r = d.decode(in, out, true);
        if (r.isError()) {
            return "invalid UTF-8 at byte " + (in.position() - off) + " of the record";
        }
        return "invalid UTF-8";
    }

    /** Index of the first unpaired UTF-16 surrogate (e.g. from a JSON "\\ud800" escape), or -1. */
    public static int unpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return i;
                }
            } else if (Character.isLowSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }
}
