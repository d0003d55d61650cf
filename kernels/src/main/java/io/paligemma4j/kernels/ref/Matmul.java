package io.paligemma4j.kernels.ref;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import io.paligemma4j.loader.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Linear layer. Contract: {@code x} is [rows, in] float32, {@code w} is [outDim, in] (PyTorch
 * layout) in F32/F16/BF16 as stored, {@code bias} is [outDim] or null, {@code out} is
 * [rows, outDim] float32: {@code out[r,o] = bias[o] + Σ_i x[r,i]·w[o,i]}, accumulated in float32
 * in index order. Covers GEMM (rows > 1) and GEMV (rows = 1); out must not alias x.
 */
public final class Matmul {
    private Matmul() {}

    public static void matmul(MemorySegment x, int rows, int in, Tensor w, Tensor bias, MemorySegment out) {
        int outDim = (int) w.dim(0);
        if (w.dim(1) != in) {
            throw new IllegalArgumentException(w + " does not take inputs of width " + in);
        }
        for (int r = 0; r < rows; r++) {
            long xr = (long) r * in;
            for (int o = 0; o < outDim; o++) {
                long wr = (long) o * in;
                float acc = 0f;
                for (int i = 0; i < in; i++) {
                    acc += x.getAtIndex(JAVA_FLOAT, xr + i) * w.getFloat(wr + i);
                }
                if (bias != null) {
                    acc += bias.getFloat(o);
                }
                out.setAtIndex(JAVA_FLOAT, (long) r * outDim + o, acc);
            }
        }
    }
}
