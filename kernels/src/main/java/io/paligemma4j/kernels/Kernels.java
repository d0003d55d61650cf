package io.paligemma4j.kernels;

import io.paligemma4j.loader.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * The kernel catalogue every CPU backend implements. Activations are native float32 segments
 * (row-major); weights are {@link Tensor}s read as stored (F32, F16 or BF16). Each op's contract
 * is stated once, beside its scalar reference in {@code io.paligemma4j.kernels.ref}.
 */
public interface Kernels {
    String name();

    /** See {@link io.paligemma4j.kernels.ref.Matmul}. */
    void matmul(MemorySegment x, int rows, int in, Tensor w, Tensor bias, MemorySegment out);

    /** Two matmuls sharing x, fused with GeGLU: out = gelu_tanh(x·Wg^T) * (x·Wu^T). */
    void gateUpGeglu(MemorySegment x, int rows, int in, Tensor wGate, Tensor wUp, MemorySegment out);

    /** See {@link io.paligemma4j.kernels.ref.Norms#layerNorm}. */
    void layerNorm(MemorySegment x, int rows, int dim, Tensor gamma, Tensor beta, float eps, MemorySegment out);

    /** See {@link io.paligemma4j.kernels.ref.Norms#rmsNorm}. */
    void rmsNorm(MemorySegment x, int rows, int dim, Tensor w, float eps, MemorySegment out);

    /** See {@link io.paligemma4j.kernels.ref.Activations#geluTanh}. */
    void geluTanh(MemorySegment x, long n);

    /** See {@link io.paligemma4j.kernels.ref.Rope}. */
    void rope(MemorySegment x, int rows, int heads, int headDim, int pos0, double theta);

    /** See {@link io.paligemma4j.kernels.ref.Attention}. */
    void attention(AttentionShape s, MemorySegment q, int nq, int queryStart, int prefixLen,
                   MemorySegment k, MemorySegment v, int nKv, MemorySegment out);

    /** See {@link io.paligemma4j.kernels.ref.Elementwise#add}. */
    void add(MemorySegment acc, MemorySegment x, long n);

    /** See {@link io.paligemma4j.kernels.ref.Elementwise#softcap}. */
    void softcap(MemorySegment x, long n, float cap);

    /** See {@link io.paligemma4j.kernels.ref.Embedding#lookup}. */
    void embed(Tensor table, int[] ids, float scale, MemorySegment out);

    /** See {@link io.paligemma4j.kernels.ref.Embedding#patchEmbed}. */
    void patchEmbed(MemorySegment pixels, int imageSize, int patch, Tensor w, Tensor bias, Tensor pos,
                    MemorySegment out);
}
