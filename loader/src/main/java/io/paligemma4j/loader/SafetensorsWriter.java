package io.paligemma4j.loader;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Writes safetensors files: header padded to 8 bytes, tensors packed in the order added. Data is
 * produced straight into a mapping of the output file, so multi-gigabyte checkpoints (the
 * benchmark's synthetic ones) never pass through the heap. Written to a temporary name and moved
 * into place, so a failed write leaves no half file.
 */
public final class SafetensorsWriter {
    private record Entry(String name, DType dtype, long[] shape, Consumer<MemorySegment> fill) {}

    private final List<Entry> entries = new ArrayList<>();

    /** Adds a tensor whose bytes {@code fill} writes into the segment it is given (exactly its size). */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, Consumer<MemorySegment> fill) {
        entries.add(new Entry(name, dtype, shape.clone(), fill));
        return this;
    }

    /** Adds float values encoded as {@code dtype} (F32, F16 or BF16; rounding to nearest even). */
    public SafetensorsWriter addFloats(String name, DType dtype, long[] shape, float[] values) {
        if (Tensor.numel(shape) != values.length) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for shape "
                    + java.util.Arrays.toString(shape));
        }
        return add(name, dtype, shape, seg -> encode(dtype, values, seg));
    }

    /** Adds a copy of a tensor, converted to {@code dtype}. */
    public SafetensorsWriter addConverted(String name, Tensor t, DType dtype) {
        float[] v = new float[Math.toIntExact(t.numel())];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.getFloat(i);
        }
        return addFloats(name, dtype, t.shape(), v);
    }

    public static void encode(DType dtype, float[] values, MemorySegment seg) {
        for (int i = 0; i < values.length; i++) {
            switch (dtype) {
                case F32 -> seg.set(Tensor.F32_LE, 4L * i, values[i]);
                case BF16 -> seg.set(Tensor.I16_LE, 2L * i, Tensor.floatToBf16(values[i]));
                case F16 -> seg.set(Tensor.I16_LE, 2L * i, Float.floatToFloat16(values[i]));
                default -> throw new IllegalArgumentException("cannot encode floats as " + dtype);
            }
        }
    }

    public void write(Path path) throws IOException {
        ObjectNode header = SafetensorsFile.JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Entry e : entries) {
            long size = e.dtype().byteSize(Tensor.numel(e.shape()));
            ObjectNode t = header.putObject(e.name());
            t.put("dtype", e.dtype().name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.shape()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + size);
            offset += size;
        }
        byte[] json = SafetensorsFile.JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        byte[] head = new byte[padded];
        java.util.Arrays.fill(head, (byte) ' ');
        System.arraycopy(json, 0, head, 0, json.length);
        long total = 8 + padded + offset;
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        // Ctrl-C ends the JVM without unwinding this method: the hook removes a half-written file.
        Thread cleanup = new Thread(() -> {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // Nothing more can be done while the JVM exits.
            }
        }, "safetensors-writer-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE); Arena arena = Arena.ofConfined()) {
            MemorySegment out = ch.map(FileChannel.MapMode.READ_WRITE, 0, total, arena);
            out.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, padded);
            MemorySegment.copy(MemorySegment.ofArray(head), 0, out, 8, padded);
            long pos = 8 + padded;
            for (Entry e : entries) {
                long size = e.dtype().byteSize(Tensor.numel(e.shape()));
                e.fill().accept(out.asSlice(pos, size));
                pos += size;
            }
            out.force();
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is exiting; the hook runs and removes the temporary file.
            }
        }
    }
}
