package io.paligemma4j.backends.opencl;

import static org.lwjgl.opencl.CL10.*;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

/**
 * A context on one device and the kernels' program built for it, shared by every engine on the
 * device (OpenCL contexts and programs are thread-safe; kernel objects and queues are per engine).
 * The program is built from the {@code .cl} resources, one per kernel family, with strict IEEE
 * options (no {@code -cl-fast-relaxed-math}, no {@code -cl-mad-enable}) and tile sizes from the
 * device's limits; its binary is cached per device, source and options, so a second start does not
 * compile again.
 */
final class ClContext {
    /** Families in build order; common.cl holds what they share. */
    static final List<String> SOURCES = List.of("common.cl", "matmul.cl", "norms.cl", "activations.cl", "rope.cl",
            "attention.cl", "elementwise.cl", "embedding.cl");
    /** Largest head size the attention kernel stages in local memory (Gemma: 256, SigLIP: 72). */
    static final int MAX_HEAD_DIM = 256;

    private static final Map<Integer, ClContext> OPEN = new ConcurrentHashMap<>();

    final ClDevice device;
    final long context;
    final long program;
    /** Items per row-reduction work-group (GEMV, norms, attention), a power of two. */
    final int wg;
    /** GEMM tile edge and rows per work-item. */
    final int ts;
    final int wpt;
    final boolean fromCache;

    private ClContext(ClDevice device) {
        this.device = device;
        wg = (int) Math.min(128, Integer.highestOneBit((int) Math.min(device.maxWorkGroup(), 1 << 20)));
        int tile = 32;
        // Three TS×(TS+1) float tiles (gate/up GEMM) and a TS×TS/WPT work-group must fit the device.
        while (tile > 8 && (3L * tile * (tile + 1) * 4 > device.localMem() || tile * tile / 4 > device.maxWorkGroup())) {
            tile /= 2;
        }
        ts = tile;
        wpt = 4;
        try (MemoryStack stack = MemoryStack.stackPush()) {
            var err = stack.mallocInt(1);
            PointerBuffer props = stack.mallocPointer(3).put(CL_CONTEXT_PLATFORM).put(device.platform()).put(0).flip();
            context = clCreateContext(props, device.id(), null, 0, err);
            ClErrors.check(err.get(0), "clCreateContext", device.name());
        }
        String options = "-cl-std=CL1.2 -D TS=" + ts + " -D WPT=" + wpt + " -D WG=" + wg + " -D MAX_HEAD_DIM=" + MAX_HEAD_DIM;
        String source = source();
        Path cache = cacheFile(device, source, options);
        long p = cache != null ? fromBinary(cache, options) : 0;
        fromCache = p != 0;
        if (p == 0) {
            p = fromSource(source, options);
            if (cache != null) {
                saveBinary(p, cache);
            }
        }
        program = p;
    }

    /** The shared context for {@code device}, created on first use. */
    static ClContext of(ClDevice device) {
        return OPEN.computeIfAbsent(device.index(), i -> new ClContext(device));
    }

    static String source() {
        StringBuilder sb = new StringBuilder();
        for (String s : SOURCES) {
            try (InputStream in = ClContext.class.getResourceAsStream("/opencl/" + s)) {
                if (in == null) {
                    throw new IllegalStateException("kernel source /opencl/" + s + " is missing from the jar");
                }
                sb.append("// ---- ").append(s).append('\n').append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return sb.toString();
    }

    private long fromSource(String source, String options) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            var err = stack.mallocInt(1);
            long p = clCreateProgramWithSource(context, source, err);
            ClErrors.check(err.get(0), "clCreateProgramWithSource", device.name());
            int rc = clBuildProgram(p, device.id(), options, null, 0);
            if (rc != CL_SUCCESS) {
                String log = buildLog(p);
                clReleaseProgram(p);
                throw new IllegalStateException("the OpenCL kernels do not build on " + device.name() + " ("
                        + ClErrors.name(rc) + "); build log:\n" + log);
            }
            return p;
        }
    }

    /** A cached binary, or 0 when it is absent or the driver refuses it (then the source is built). */
    private long fromBinary(Path file, String options) {
        if (!Files.isRegularFile(file)) {
            return 0;
        }
        try (MemoryStack stack = MemoryStack.stackPush()) {
            byte[] bytes = Files.readAllBytes(file);
            ByteBuffer bin = MemoryUtil.memAlloc(bytes.length).put(bytes).flip();
            try {
                var status = stack.mallocInt(1);
                var err = stack.mallocInt(1);
                long p = clCreateProgramWithBinary(context, stack.pointers(device.id()), bin, status, err);
                if (err.get(0) != CL_SUCCESS || status.get(0) != CL_SUCCESS) {
                    return 0;
                }
                if (clBuildProgram(p, device.id(), options, null, 0) != CL_SUCCESS) {
                    clReleaseProgram(p);
                    return 0;
                }
                return p;
            } finally {
                MemoryUtil.memFree(bin);
            }
        } catch (IOException e) {
            return 0;
        }
    }

    private void saveBinary(long p, Path file) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer sizes = stack.mallocPointer(1);
            if (clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizes, null) != CL_SUCCESS || sizes.get(0) <= 0) {
                return;
            }
            ByteBuffer bin = MemoryUtil.memAlloc((int) sizes.get(0));
            try {
                PointerBuffer ptrs = stack.pointers(bin);
                if (clGetProgramInfo(p, CL_PROGRAM_BINARIES, ptrs, null) != CL_SUCCESS) {
                    return;
                }
                byte[] bytes = new byte[bin.remaining()];
                bin.get(bytes);
                Files.createDirectories(file.getParent());
                Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
                Files.write(tmp, bytes);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                // A cache that cannot be written only costs the next start a compile.
            } finally {
                MemoryUtil.memFree(bin);
            }
        }
    }

    private String buildLog(long p) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            clGetProgramBuildInfo(p, device.id(), CL_PROGRAM_BUILD_LOG, (ByteBuffer) null, size);
            ByteBuffer b = MemoryUtil.memAlloc((int) Math.max(1, size.get(0)));
            try {
                clGetProgramBuildInfo(p, device.id(), CL_PROGRAM_BUILD_LOG, b, null);
                return ClDevice.cString(b);
            } finally {
                MemoryUtil.memFree(b);
            }
        }
    }

    /** $PALIGEMMA_CACHE (or ~/.cache/paligemma4j)/opencl/&lt;hash&gt;.bin; null when there is no home. */
    private static Path cacheFile(ClDevice d, String source, String options) {
        String base = System.getenv("PALIGEMMA_CACHE");
        Path dir = base != null && !base.isBlank() ? Path.of(base)
                : System.getProperty("user.home") != null ? Path.of(System.getProperty("user.home"), ".cache", "paligemma4j") : null;
        if (dir == null) {
            return null;
        }
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String s : new String[] {d.name(), d.platformName(), d.version(), options, source}) {
                md.update(s.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return dir.resolve("opencl").resolve(HexFormat.of().formatHex(md.digest(), 0, 16) + ".bin");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
