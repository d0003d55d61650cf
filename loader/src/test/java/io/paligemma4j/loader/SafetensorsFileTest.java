package io.paligemma4j.loader;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
    @TempDir
    Path dir;

    /** Writes {@code [u64 header length][header][data]} exactly as given, lies included. */
    private Path raw(String header, int dataBytes, Long lengthOverride) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(lengthOverride != null ? lengthOverride : h.length).put(h);
        Path p = dir.resolve("t.safetensors");
        Files.write(p, b.array());
        return p;
    }

    private String reject(Path p) {
        try (Arena a = Arena.ofConfined()) {
            BadInputException e = assertThrows(BadInputException.class, () -> SafetensorsFile.open(p, a));
            assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line");
            return e.getMessage();
        }
    }

    /** The format's rule: a JSON object, then only spaces; Hugging Face's reader refuses anything else. */
    @Test
    void headerPaddingIsSpacesOnly() throws IOException {
        String obj = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        try (Arena a = Arena.ofConfined()) {
            assertEquals(1, SafetensorsFile.open(raw(obj + "       ", 4, null), a).tensors().size());
        }
        assertTrue(reject(raw(obj + "\0\0\0\0", 4, null)).contains("trailing byte 0x00"));
        assertTrue(reject(raw(obj + "  \0 ", 4, null)).contains("trailing byte 0x00"));
        assertTrue(reject(raw(obj + "\n", 4, null)).contains("trailing byte 0x0A"));
        assertTrue(reject(raw(obj + "\t  ", 4, null)).contains("trailing byte 0x09"));
        assertTrue(reject(raw(obj + "{}", 4, null)).contains("trailing byte 0x7B"));
        assertTrue(reject(raw(" " + obj, 4, null)).contains("not a JSON object"));
        assertTrue(reject(raw("[1]", 4, null)).contains("not a JSON object"));
    }

    @Test
    void readsWhatTheWriterWrites() throws IOException {
        Path p = dir.resolve("ok.safetensors");
        new SafetensorsWriter()
                .addFloats("a", DType.F32, new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, -6})
                .addFloats("b", DType.BF16, new long[] {3}, new float[] {1.5f, -2f, 3.25f})
                .addFloats("c", DType.F16, new long[] {2}, new float[] {0.5f, 65504f})
                .add("s", DType.F32, new long[] {}, seg -> seg.set(Tensor.F32_LE, 0, 7f))
                .write(p);
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile f = SafetensorsFile.open(p, arena);
            assertEquals(4, f.tensors().size());
            Tensor a = f.tensors().get("a");
            assertArrayEquals(new long[] {2, 3}, a.shape());
            assertEquals(-6f, a.getFloat(5));
            assertEquals(3.25f, f.tensors().get("b").getFloat(2));
            assertEquals(65504f, f.tensors().get("c").getFloat(1));
            assertEquals(7f, f.tensors().get("s").getFloat(0));
            assertEquals("pt", f.metadata().get("format"));
            assertTrue(a.data().isMapped(), "tensors are slices of the file mapping, not heap copies");
        }
        long headerLen = ByteBuffer.wrap(Files.readAllBytes(p), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8, "the writer pads the header to 8 bytes");
    }

    @Test
    void rejectsFileShorterThanHeaderLength() throws IOException {
        Path p = dir.resolve("short.safetensors");
        Files.write(p, new byte[] {1, 2, 3});
        assertTrue(reject(p).contains("too short"));
    }

    @Test
    void rejectsHeaderLengthBeyondFile() throws IOException {
        assertTrue(reject(raw("{}", 0, 4096L)).contains("runs past the end"));
    }

    @Test
    void rejectsHeaderOver100MB() throws IOException {
        assertTrue(reject(raw("{}", 0, 200_000_000L)).contains("exceeds"));
        assertTrue(reject(raw("{}", 0, -1L)).contains("exceeds"));
    }

    @Test
    void rejectsMalformedJson() throws IOException {
        assertTrue(reject(raw("{\"a\": {\"dtype\": ", 0, null)).contains("not valid JSON"));
        assertTrue(reject(raw("[1, 2]", 0, null)).contains("not a JSON object"));
        assertTrue(reject(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, null)).contains("not valid JSON"));
    }

    @Test
    void rejectsOffsetsOutOfBounds() throws IOException {
        String m = reject(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8, null));
        assertTrue(m.contains("tensor w") && m.contains("beyond"), m);
    }

    @Test
    void rejectsOverlappingTensors() throws IOException {
        String m = reject(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, null));
        assertTrue(m.contains("overlaps"), m);
    }

    @Test
    void rejectsSpanNotEqualToDtypeTimesShape() throws IOException {
        String m = reject(raw("{\"w\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", 16, null));
        assertTrue(m.contains("tensor w") && m.contains("needs 8"), m);
    }

    @Test
    void rejectsUnknownDtypeAndBadFields() throws IOException {
        assertTrue(reject(raw("{\"w\":{\"dtype\":\"Q4_K\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, null))
                .contains("unknown dtype 'Q4_K'"));
        assertTrue(reject(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", 0, null))
                .contains("shape"));
        assertTrue(reject(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8, null))
                .contains("not ordered"));
        assertTrue(reject(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, null)).contains("data_offsets"));
        assertTrue(reject(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}",
                4, null)).contains("overflows"));
    }

    @Test
    void recognisesButRefusesNonFloatWeights() throws IOException {
        Path p = raw("{\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}", 16, null);
        try (Arena a = Arena.ofConfined()) {
            Tensor t = SafetensorsFile.open(p, a).tensors().get("ids");
            assertEquals(DType.I64, t.dtype());
            BadInputException e = assertThrows(BadInputException.class, t::requireFloatWeight);
            assertTrue(e.getMessage().contains("ids") && e.getMessage().contains("I64"), e.getMessage());
        }
    }

    @Test
    void bf16AndF16ConversionsAreExactAndRoundToNearestEven() {
        assertEquals(1.0f, Tensor.bf16ToFloat(Tensor.floatToBf16(1.0f)));
        // 1 + 2^-8 is halfway between two bf16 values: ties go to the even mantissa (1.0).
        assertEquals(1.0f, Tensor.roundTo(DType.BF16, 1f + 0x1p-8f));
        assertEquals(1f + 0x1p-7f, Tensor.roundTo(DType.BF16, 1f + 0x1p-7f + 0x1p-9f));
        assertTrue(Float.isNaN(Tensor.roundTo(DType.BF16, Float.NaN)));
        assertEquals(Float.POSITIVE_INFINITY, Tensor.roundTo(DType.F16, 1e6f));
    }
}
