package io.paligemma4j.runtime.forward;

import io.paligemma4j.kernels.AttentionShape;
import io.paligemma4j.loader.Tensor;

/**
 * The layer-level ops the forward pass is written in, over buffers {@code B} a backend owns. Each
 * works on the current {@link Pass}'s rows of its buffers (see {@link BufferSpec} for which rows);
 * widths come from the buffers and the weights. Weights are the checkpoint's tensors as stored
 * (F32, BF16, F16). Every op's semantics is its reference kernel's, linked from each method; an
 * eager backend calls its kernels, a graph backend records tasks.
 */
public interface LayerOps<B> {
    /** Conv k = s = patch over the image, plus bias, plus position embedding: {@link io.paligemma4j.kernels.ref.Embedding#patchEmbed}. */
    void patchEmbed(B pixels, int imageSize, int patch, Tensor weight, Tensor bias, Tensor positions, B out);

    /** The pass's token ids into rows {@code [imageRows, rows)}, times {@code scale}: {@link io.paligemma4j.kernels.ref.Embedding#lookup}. */
    void embed(Tensor table, float scale, B out);

    /** Every row of {@code from} into the first rows of {@code to} (the image features into the residual stream). */
    void copyRows(B from, B to);

    /** {@link io.paligemma4j.kernels.ref.Norms#layerNorm}. */
    void layerNorm(B x, Tensor gamma, Tensor beta, float eps, B out);

    /** {@link io.paligemma4j.kernels.ref.Norms#rmsNorm}; {@code out} may be {@code x}. */
    void rmsNorm(B x, Tensor weight, float eps, B out);

    /** RMSNorm of the pass's selected {@code row} of {@code x} into the single row of {@code out}. */
    void rmsNormRow(B x, Tensor weight, float eps, B out);

    /** {@code out = x·Wᵀ + bias} ({@code bias} may be null): {@link io.paligemma4j.kernels.ref.Matmul}. */
    void linear(B x, Tensor weight, Tensor bias, B out);

    /** {@code out = gelu_tanh(x·Wgᵀ) * (x·Wuᵀ)}: {@link io.paligemma4j.kernels.ref.Activations#geglu} of two {@link #linear}s. */
    void gateUpGeglu(B x, Tensor gate, Tensor up, B out);

    /** In place: {@link io.paligemma4j.kernels.ref.Activations#geluTanh}. */
    void geluTanh(B x);

    /** In place, pass row {@code i} at position {@code start + i}: {@link io.paligemma4j.kernels.ref.Rope#rope}. */
    void rope(B x, int heads, int headDim, double theta);

    /**
     * The pass's queries against keys and values {@code [0, start + rows)} under the prefix-LM mask:
     * {@link io.paligemma4j.kernels.ref.Attention#attention}.
     */
    void attention(AttentionShape shape, B q, B k, B v, B out);

    /** {@code acc += x}: {@link io.paligemma4j.kernels.ref.Elementwise#add}. */
    void add(B acc, B x);

    /** In place {@code cap·tanh(x/cap)}: {@link io.paligemma4j.kernels.ref.Elementwise#softcap}. */
    void softcap(B x, float cap);
}
