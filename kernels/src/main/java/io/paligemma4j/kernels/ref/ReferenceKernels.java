package io.paligemma4j.kernels.ref;

import io.paligemma4j.kernels.AttentionShape;
import io.paligemma4j.kernels.Kernels;
import io.paligemma4j.loader.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The scalar, single-threaded kernels: the executable specification every backend is checked against. */
public final class ReferenceKernels implements Kernels {
    @Override
    public String name() {
        return "reference";
    }

    @Override
    public void matmul(MemorySegment x, int rows, int in, Tensor w, Tensor bias, MemorySegment out) {
        Matmul.matmul(x, rows, in, w, bias, out);
    }

    @Override
    public void gateUpGeglu(MemorySegment x, int rows, int in, Tensor wGate, Tensor wUp, MemorySegment out) {
        long n = (long) rows * wGate.dim(0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment up = arena.allocate(ValueLayout.JAVA_FLOAT, n);
            Matmul.matmul(x, rows, in, wGate, null, out);
            Matmul.matmul(x, rows, in, wUp, null, up);
            Activations.geglu(out, up, n, out);
        }
    }

    @Override
    public void layerNorm(MemorySegment x, int rows, int dim, Tensor gamma, Tensor beta, float eps, MemorySegment out) {
        Norms.layerNorm(x, rows, dim, gamma, beta, eps, out);
    }

    @Override
    public void rmsNorm(MemorySegment x, int rows, int dim, Tensor w, float eps, MemorySegment out) {
        Norms.rmsNorm(x, rows, dim, w, eps, out);
    }

    @Override
    public void geluTanh(MemorySegment x, long n) {
        Activations.geluTanh(x, n);
    }


    @Override
    public void rope(MemorySegment x, int rows, int heads, int headDim, int pos0, double theta) {
        Rope.rope(x, rows, heads, headDim, pos0, theta);
    }

    @Override
    public void attention(AttentionShape s, MemorySegment q, int nq, int queryStart, int prefixLen,
                          MemorySegment k, MemorySegment v, int nKv, MemorySegment out) {
        Attention.attention(s, q, nq, queryStart, prefixLen, k, v, nKv, out);
    }

    @Override
    public void add(MemorySegment acc, MemorySegment x, long n) {
        Elementwise.add(acc, x, n);
    }

    @Override
    public void softcap(MemorySegment x, long n, float cap) {
        Elementwise.softcap(x, n, cap);
    }



    @Override
    public void embed(Tensor table, int[] ids, float scale, MemorySegment out) {
        Embedding.lookup(table, ids, scale, out);
    }

    @Override
    public void patchEmbed(MemorySegment pixels, int imageSize, int patch, Tensor w, Tensor bias, Tensor pos,
                           MemorySegment out) {
        Embedding.patchEmbed(pixels, imageSize, patch, w, bias, pos, out);
    }
}
