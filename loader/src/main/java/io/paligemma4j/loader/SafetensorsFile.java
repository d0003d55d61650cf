package io.paligemma4j.loader;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One safetensors file, memory-mapped read-only: {@code [u64 LE header length N][N bytes of JSON]
 * [data]}. Tensors are slices of the mapping, never heap copies. Every header field is checked
 * before a single tensor is handed out, and each failure names the file and the tensor.
 */
public final class SafetensorsFile {
    /** The limit the reference implementation (safetensors' MAX_HEADER_SIZE) enforces. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Path path;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;
    private final MemorySegment base;

    private SafetensorsFile(Path path, Map<String, Tensor> tensors, Map<String, String> metadata, MemorySegment base) {
        this.path = path;
        this.tensors = tensors;
        this.metadata = metadata;
        this.base = base;
    }

    /** Where a tensor of this file starts in the file, in bytes (for mapping it again elsewhere). */
    public long fileOffset(Tensor t) {
        long off = t.data().address() - base.address();
        if (off < 0 || off + t.data().byteSize() > base.byteSize()) {
            throw new IllegalArgumentException(t.name() + " is not a tensor of " + path);
        }
        return off;
    }

    public Path path() {
        return path;
    }

    /** Tensors in header order, keyed by their stored names. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * The header as the format defines it: UTF-8 JSON beginning with '{', one object, then nothing
     * but spaces (0x20) up to the data. Any other trailing byte (a NUL, a newline, a second value)
     * is refused, as Hugging Face's reader refuses it.
     */
    private static JsonNode parseHeader(String file, byte[] header) {
        if (header.length == 0 || header[0] != '{') {
            throw bad(file, "header is not a JSON object: it must begin with '{'");
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(header));
        } catch (CharacterCodingException e) {
            throw bad(file, "header is not valid UTF-8");
        }
        JsonNode root;
        long end;
        try (JsonParser p = JSON.createParser(header)) {
            root = JSON.readTree(p);
            end = p.currentLocation().getByteOffset();
        } catch (IOException e) {
            String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw bad(file, "header is not valid JSON: " + m);
        }
        for (long i = end; i < header.length; i++) {
            if (header[(int) i] != ' ') {
                throw bad(file, "header has a trailing byte 0x" + String.format("%02X", header[(int) i] & 0xFF)
                        + " at offset " + (8 + i) + " after its JSON object; only spaces (0x20) may pad it");
            }
        }
        return root;
    }

    /** Maps {@code path} into {@code arena}; the mapping lives until the arena closes. */
    public static SafetensorsFile open(Path path, Arena arena) {
        String file = path.toString();
        MemorySegment all;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw bad(file, "is " + size + " bytes long, too short for the 8-byte header length");
            }
            all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } catch (NoSuchFileException e) {
            throw new BadInputException(file + ": no such file");
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read: " + e.getMessage(), e);
        }
        long size = all.byteSize();
        long n = all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw bad(file, "header length " + Long.toUnsignedString(n) + " exceeds the "
                    + MAX_HEADER_BYTES + "-byte limit");
        }
        if (8 + n > size) {
            throw bad(file, "header length " + n + " runs past the end of the file (" + size + " bytes)");
        }
        JsonNode root = parseHeader(file, all.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE));
        if (root == null || !root.isObject()) {
            throw bad(file, "header is not a JSON object");
        }
        MemorySegment data = all.asSlice(8 + n);
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        List<long[]> spans = new ArrayList<>();
        List<String> spanNames = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals("__metadata__")) {
                readMetadata(file, v, metadata);
                continue;
            }
            Tensor t = readEntry(file, name, v, data);
            tensors.put(name, t);
            long begin = v.get("data_offsets").get(0).asLong();
            spans.add(new long[] {begin, begin + t.data().byteSize(), spans.size()});
            spanNames.add(name);
        }
        spans.sort(Comparator.<long[]>comparingLong(s -> s[0]).thenComparingLong(s -> s[1]));
        for (int i = 1; i < spans.size(); i++) {
            long[] prev = spans.get(i - 1);
            long[] cur = spans.get(i);
            if (cur[0] < prev[1] && cur[1] > cur[0] && prev[1] > prev[0]) {
                throw bad(file, "tensor " + spanNames.get((int) cur[2]) + " overlaps tensor "
                        + spanNames.get((int) prev[2]) + " (data_offsets " + cur[0] + " < " + prev[1] + ")");
            }
        }
        return new SafetensorsFile(path, java.util.Collections.unmodifiableMap(tensors), metadata, all);
    }

    private static void readMetadata(String file, JsonNode v, Map<String, String> out) {
        if (!v.isObject()) {
            throw bad(file, "__metadata__ is not a JSON object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> m = it.next();
            if (!m.getValue().isTextual()) {
                throw bad(file, "__metadata__ value for '" + m.getKey() + "' is not a string");
            }
            out.put(m.getKey(), m.getValue().asText());
        }
    }

    private static Tensor readEntry(String file, String name, JsonNode v, MemorySegment data) {
        if (!v.isObject()) {
            throw bad(file, "tensor " + name + ": entry is not a JSON object");
        }
        JsonNode dt = v.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw bad(file, "tensor " + name + ": missing or non-string dtype");
        }
        DType dtype = DType.parse(dt.asText());
        if (dtype == null) {
            throw bad(file, "tensor " + name + ": unknown dtype '" + dt.asText() + "'");
        }
        JsonNode sh = v.get("shape");
        if (sh == null || !sh.isArray()) {
            throw bad(file, "tensor " + name + ": missing or non-array shape");
        }
        long[] shape = new long[sh.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw bad(file, "tensor " + name + ": shape entry " + d + " is not a non-negative integer");
            }
            shape[i] = d.asLong();
        }
        JsonNode off = v.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2
                || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()
                || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
            throw bad(file, "tensor " + name + ": data_offsets must be two integers [begin, end]");
        }
        long begin = off.get(0).asLong();
        long end = off.get(1).asLong();
        if (begin < 0 || end < begin) {
            throw bad(file, "tensor " + name + ": data_offsets [" + begin + ", " + end + "] are not ordered");
        }
        if (end > data.byteSize()) {
            throw bad(file, "tensor " + name + ": data_offsets end " + end + " is beyond the "
                    + data.byteSize() + " data bytes of the file");
        }
        long expected;
        try {
            expected = dtype.byteSize(Tensor.numel(shape));
        } catch (ArithmeticException e) {
            throw bad(file, "tensor " + name + ": shape overflows");
        }
        if (end - begin != expected) {
            throw bad(file, "tensor " + name + ": data_offsets span " + (end - begin) + " bytes but "
                    + dtype + " x " + java.util.Arrays.toString(shape) + " needs " + expected);
        }
        return new Tensor(name, dtype, shape, data.asSlice(begin, end - begin), file);
    }

    private static BadInputException bad(String file, String what) {
        return new BadInputException("safetensors file " + file + ": " + what);
    }
}
