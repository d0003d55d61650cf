package io.paligemma4j.backends.tornado;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.paligemma4j.loader.Checkpoint;
import io.paligemma4j.loader.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * Weight arrays for TornadoVM without a host copy: each tensor is mapped again, privately
 * (copy-on-write), from 16 bytes before its data, and wrapped in place. TornadoVM writes its array
 * header into those 16 bytes, which touches one private page and never the file. Java maps
 * PRIVATE only for files opened read-write, so this calls {@code mmap} itself on a read-only
 * descriptor. Where that is not possible (no POSIX mmap, data offset under 16 bytes or not
 * 4-byte aligned) {@link #bits} copies instead.
 */
final class PrivateMaps implements AutoCloseable {
    private static final int O_RDONLY = 0;
    private static final int PROT_READ_WRITE = 3;
    private static final int MAP_PRIVATE = 2;
    /** A multiple of every page size in use (4 KB to 64 KB), so aligned offsets are valid for mmap. */
    private static final long ALIGN = 65536;
    private static final long HEADER = 16;

    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;

    static {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        OPEN = libc.find("open").map(a -> linker.downcallHandle(a, FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
                Linker.Option.firstVariadicArg(2))).orElse(null);
        CLOSE = libc.find("close").map(a -> linker.downcallHandle(a, FunctionDescriptor.of(JAVA_INT, JAVA_INT))).orElse(null);
        MMAP = libc.find("mmap").map(a -> linker.downcallHandle(a, FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG))).orElse(null);
        MUNMAP = libc.find("munmap").map(a -> linker.downcallHandle(a, FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG)))
                .orElse(null);
    }

    private final Checkpoint checkpoint;
    private final List<long[]> mappings = new ArrayList<>();
    private long mappedBytes;
    private long copiedBytes;

    PrivateMaps(Checkpoint checkpoint) {
        this.checkpoint = checkpoint;
    }

    /** The tensor's bits as a TornadoVM array: mapped when possible, else copied. */
    ShortArray bits(Tensor t) {
        Checkpoint.FileSpan span = checkpoint == null ? null : checkpoint.locate(t);
        if (span != null && span.offset() >= HEADER && span.offset() % 4 == 0 && MMAP != null && OPEN != null) {
            ShortArray a = map(span);
            if (a != null) {
                mappedBytes += span.length();
                return a;
            }
        }
        copiedBytes += t.data().byteSize();
        return ShortArray.fromSegment(t.data());
    }

    long mappedBytes() {
        return mappedBytes;
    }

    long copiedBytes() {
        return copiedBytes;
    }

    private ShortArray map(Checkpoint.FileSpan span) {
        long start = span.offset() - HEADER;
        long aligned = start - start % ALIGN;
        long length = span.offset() + span.length() - aligned;
        try (Arena tmp = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(tmp.allocateFrom(span.file().toString()), O_RDONLY);
            if (fd < 0) {
                return null;
            }
            MemorySegment addr;
            try {
                addr = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, length, PROT_READ_WRITE, MAP_PRIVATE, fd, aligned);
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
            if (addr.address() == -1L) {
                return null;
            }
            mappings.add(new long[] {addr.address(), length});
            MemorySegment all = addr.reinterpret(length);
            return ShortArray.fromSegmentShallow(all.asSlice(start - aligned, span.length() + HEADER));
        } catch (Throwable e) {
            throw new IllegalStateException("mapping " + span.file() + " for TornadoVM failed", e);
        }
    }

    /** Unmaps everything; the arrays built on the mappings must no longer be used. */
    @Override
    public void close() {
        for (long[] m : mappings) {
            try {
                int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(m[0]), m[1]);
            } catch (Throwable e) {
                throw new IllegalStateException("munmap failed", e);
            }
        }
        mappings.clear();
    }
}
