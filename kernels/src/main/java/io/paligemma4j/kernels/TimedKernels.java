package io.paligemma4j.kernels;

import io.paligemma4j.loader.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A host kernel set that times every call, so {@code bench} can say where a stage's time goes on a
 * backend with no device profiler. A host kernel returns only when its work is done, so the wall
 * time of the call is the kernel's time. One clock read per call (tens of nanoseconds) against
 * kernels of microseconds and more. Not thread-safe: one engine runs one op at a time.
 */
public final class TimedKernels implements Kernels {
    /** Counter names: {@code op_seconds:NAME} per op, and their sum. */
    public static final String TOTAL = "device_kernel_seconds";
    public static final String CALLS = "kernel_launches";
    public static final String OP_PREFIX = "op_seconds:";

    private final Kernels k;
    private final Map<String, long[]> nanos = new LinkedHashMap<>();

    public TimedKernels(Kernels kernels) {
        this.k = kernels;
    }

    /** Seconds per op since the last call, their total and the call count; then resets. */
    public Map<String, Double> take() {
        Map<String, Double> out = new LinkedHashMap<>();
        long total = 0;
        long calls = 0;
        for (Map.Entry<String, long[]> e : nanos.entrySet()) {
            out.put(OP_PREFIX + e.getKey(), e.getValue()[0] / 1e9);
            total += e.getValue()[0];
            calls += e.getValue()[1];
        }
        if (calls > 0) {
            out.put(TOTAL, total / 1e9);
            out.put(CALLS, (double) calls);
        }
        nanos.clear();
        return out;
    }

    private void record(String op, long start) {
        long[] c = nanos.computeIfAbsent(op, x -> new long[2]);
        c[0] += System.nanoTime() - start;
        c[1]++;
    }

    @Override
    public String name() {
        return k.name();
    }

    @Override
    public void matmul(MemorySegment x, int rows, int in, Tensor w, Tensor bias, MemorySegment out) {
        long t = System.nanoTime();
        k.matmul(x, rows, in, w, bias, out);
        record(rows == 1 ? "gemv" : "gemm", t);
    }

    @Override
    public void gateUpGeglu(MemorySegment x, int rows, int in, Tensor wGate, Tensor wUp, MemorySegment out) {
        long t = System.nanoTime();
        k.gateUpGeglu(x, rows, in, wGate, wUp, out);
        record(rows == 1 ? "gate_up_gemv" : "gate_up_gemm", t);
    }

    @Override
    public void layerNorm(MemorySegment x, int rows, int dim, Tensor gamma, Tensor beta, float eps, MemorySegment out) {
        long t = System.nanoTime();
        k.layerNorm(x, rows, dim, gamma, beta, eps, out);
        record("layer_norm", t);
    }

    @Override
    public void rmsNorm(MemorySegment x, int rows, int dim, Tensor w, float eps, MemorySegment out) {
        long t = System.nanoTime();
        k.rmsNorm(x, rows, dim, w, eps, out);
        record("rms_norm", t);
    }

    @Override
    public void geluTanh(MemorySegment x, long n) {
        long t = System.nanoTime();
        k.geluTanh(x, n);
        record("gelu", t);
    }

    @Override
    public void rope(MemorySegment x, int rows, int heads, int headDim, int pos0, double theta) {
        long t = System.nanoTime();
        k.rope(x, rows, heads, headDim, pos0, theta);
        record("rope", t);
    }

    @Override
    public void attention(AttentionShape s, MemorySegment q, int nq, int queryStart, int prefixLen,
                          MemorySegment kc, MemorySegment v, int nKv, MemorySegment out) {
        long t = System.nanoTime();
        k.attention(s, q, nq, queryStart, prefixLen, kc, v, nKv, out);
        record("attention", t);
    }

    @Override
    public void add(MemorySegment acc, MemorySegment x, long n) {
        long t = System.nanoTime();
        k.add(acc, x, n);
        record("add", t);
    }

    @Override
    public void softcap(MemorySegment x, long n, float cap) {
        long t = System.nanoTime();
        k.softcap(x, n, cap);
        record("softcap", t);
    }

    @Override
    public void embed(Tensor table, int[] ids, float scale, MemorySegment out) {
        long t = System.nanoTime();
        k.embed(table, ids, scale, out);
        record("embed", t);
    }

    @Override
    public void patchEmbed(MemorySegment pixels, int imageSize, int patch, Tensor w, Tensor bias, Tensor pos,
                           MemorySegment out) {
        long t = System.nanoTime();
        k.patchEmbed(pixels, imageSize, patch, w, bias, pos, out);
        record("patch_embed", t);
    }
}
