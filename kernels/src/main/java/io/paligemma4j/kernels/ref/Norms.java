package io.paligemma4j.kernels.ref;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import io.paligemma4j.loader.Tensor;
import java.lang.foreign.MemorySegment;

/** Row normalisations; x and out are [rows, dim] float32 and may alias. Statistics in float32. */
public final class Norms {
    private Norms() {}

    /**
     * LayerNorm (SigLIP): {@code out = (x − mean) / sqrt(var + eps) · gamma + beta} per row, with
     * the biased (population) variance.
     */
    public static void layerNorm(MemorySegment x, int rows, int dim, Tensor gamma, Tensor beta, float eps,
                                 MemorySegment out) {
        for (int r = 0; r < rows; r++) {
            long base = (long) r * dim;
            float mean = 0f;
            for (int i = 0; i < dim; i++) {
                mean += x.getAtIndex(JAVA_FLOAT, base + i);
            }
            mean /= dim;
            float var = 0f;
            for (int i = 0; i < dim; i++) {
                float d = x.getAtIndex(JAVA_FLOAT, base + i) - mean;
                var += d * d;
            }
            var /= dim;
            float inv = (float) (1.0 / Math.sqrt(var + eps));
            for (int i = 0; i < dim; i++) {
                float y = (x.getAtIndex(JAVA_FLOAT, base + i) - mean) * inv;
                out.setAtIndex(JAVA_FLOAT, base + i, y * gamma.getFloat(i) + beta.getFloat(i));
            }
        }
    }

    /**
     * RMSNorm (Gemma): {@code out = x · rsqrt(mean(x²) + eps) · (1 + w)}; the stored weight is an
     * offset around zero.
     */
    public static void rmsNorm(MemorySegment x, int rows, int dim, Tensor w, float eps, MemorySegment out) {
        for (int r = 0; r < rows; r++) {
            long base = (long) r * dim;
            float ss = 0f;
            for (int i = 0; i < dim; i++) {
                float v = x.getAtIndex(JAVA_FLOAT, base + i);
                ss += v * v;
            }
            float inv = (float) (1.0 / Math.sqrt(ss / dim + eps));
            for (int i = 0; i < dim; i++) {
                float y = x.getAtIndex(JAVA_FLOAT, base + i) * inv;
                out.setAtIndex(JAVA_FLOAT, base + i, y * (1f + w.getFloat(i)));
            }
        }
    }
}
