package io.paligemma4j.backends.cpu;

import io.paligemma4j.kernels.AttentionShape;
import io.paligemma4j.kernels.Kernels;
import io.paligemma4j.loader.Tensor;
import java.lang.foreign.MemorySegment;

/** The multi-threaded Java Vector API kernels: the {@code cpu} backend. */
public final class VectorKernels implements Kernels {
    private final Parallel par;

    public VectorKernels(Parallel par) {
        this.par = par;
    }

    @Override
    public String name() {
        return "cpu";
    }

    /** A description of the vector unit and threads, for {@code devices}. */
    public static String describe(Parallel par) {
        return "host CPU, " + par.threads() + (par.threads() == 1 ? " thread, " : " threads, ") + VectorWidth.describe() + ", GEMM tile "
                + VectorGemm.MR + "x" + VectorGemm.NR;
    }

    @Override
    public void matmul(MemorySegment x, int rows, int in, Tensor w, Tensor bias, MemorySegment out) {
        VectorMatmul.matmul(par, x, rows, in, w, bias, out);
    }

    @Override
    public void gateUpGeglu(MemorySegment x, int rows, int in, Tensor wGate, Tensor wUp, MemorySegment out) {
        VectorMatmul.gateUpGeglu(par, x, rows, in, wGate, wUp, out);
    }

    @Override
    public void layerNorm(MemorySegment x, int rows, int dim, Tensor gamma, Tensor beta, float eps, MemorySegment out) {
        VectorNorms.layerNorm(par, x, rows, dim, gamma, beta, eps, out);
    }

    @Override
    public void rmsNorm(MemorySegment x, int rows, int dim, Tensor w, float eps, MemorySegment out) {
        VectorNorms.rmsNorm(par, x, rows, dim, w, eps, out);
    }

    @Override
    public void geluTanh(MemorySegment x, long n) {
        VectorActivations.geluTanh(par, x, n);
    }


    @Override
    public void rope(MemorySegment x, int rows, int heads, int headDim, int pos0, double theta) {
        VectorRope.rope(par, x, rows, heads, headDim, pos0, theta);
    }

    @Override
    public void attention(AttentionShape s, MemorySegment q, int nq, int queryStart, int prefixLen,
                          MemorySegment k, MemorySegment v, int nKv, MemorySegment out) {
        VectorAttention.attention(par, s, q, nq, queryStart, prefixLen, k, v, nKv, out);
    }

    @Override
    public void add(MemorySegment acc, MemorySegment x, long n) {
        VectorElementwise.add(par, acc, x, n);
    }

    @Override
    public void softcap(MemorySegment x, long n, float cap) {
        VectorElementwise.softcap(par, x, n, cap);
    }



    @Override
    public void embed(Tensor table, int[] ids, float scale, MemorySegment out) {
        VectorEmbedding.lookup(table, ids, scale, out);
    }

    @Override
    public void patchEmbed(MemorySegment pixels, int imageSize, int patch, Tensor w, Tensor bias, Tensor pos,
                           MemorySegment out) {
        VectorEmbedding.patchEmbed(par, pixels, imageSize, patch, w, bias, pos, out);
    }
}
