package io.paligemma4j.loader.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Text ↔ {@code <0xXX>} byte pieces. */
final class ByteFallback {
    private ByteFallback() {}

    /** True when every byte of {@code text}'s UTF-8 encoding has a {@code <0xXX>} piece. */
    static boolean covers(String text, Vocabulary vocab) {
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            if (vocab.byteIds[b & 0xFF] < 0) {
                return false;
            }
        }
        return true;
    }

    /** Appends the byte pieces of {@code text}'s UTF-8 encoding. */
    static void encode(String text, Vocabulary vocab, IntList out) {
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            out.add(vocab.byteIds[b & 0xFF]);
        }
    }

    /**
     * Decodes a run of consecutive byte pieces. As Hugging Face's ByteFallback decoder does, a run
     * that is not valid UTF-8 becomes one U+FFFD per byte.
     */
    static String decode(ByteArrayOutputStream run) {
        byte[] bytes = run.toByteArray();
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return "\uFFFD".repeat(bytes.length);
        }
    }
}
