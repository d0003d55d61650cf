package io.paligemma4j.kernels.ref;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import io.paligemma4j.loader.Tensor;
import java.lang.foreign.MemorySegment;

/** Lookups that turn inputs into activation rows. */
public final class Embedding {
    private Embedding() {}

    /**
     * Token embedding: {@code out[r, :] = table[ids[r], :] · scale}; table is [V, D] as stored, out
     * is [ids.length, D] float32. Ids must lie in [0, V).
     */
    public static void lookup(Tensor table, int[] ids, float scale, MemorySegment out) {
        int dim = (int) table.dim(1);
        for (int r = 0; r < ids.length; r++) {
            if (ids[r] < 0 || ids[r] >= table.dim(0)) {
                throw new IllegalArgumentException("token id " + ids[r] + " outside the table of " + table.dim(0));
            }
            long src = (long) ids[r] * dim;
            for (int i = 0; i < dim; i++) {
                out.setAtIndex(JAVA_FLOAT, (long) r * dim + i, table.getFloat(src + i) * scale);
            }
        }
    }

    /**
     * SigLIP patch embedding: a Conv2d with kernel = stride = patch, no padding, plus bias and the
     * learned position embedding. {@code pixels} is [3, S, S] float32 (channels first), {@code w}
     * is [D, 3, P, P], {@code bias} [D], {@code pos} [G·G, D] with G = S/P; {@code out} is
     * [G·G, D], patch p = py·G + px: {@code out[p,o] = bias[o] + pos[p,o] +
     * Σ_{c,ky,kx} w[o,c,ky,kx]·pixels[c, py·P+ky, px·P+kx]}.
     */
    public static void patchEmbed(MemorySegment pixels, int imageSize, int patch, Tensor w, Tensor bias,
                                  Tensor pos, MemorySegment out) {
        int dim = (int) w.dim(0);
        int channels = (int) w.dim(1);
        int g = imageSize / patch;
        int k = channels * patch * patch;
        for (int py = 0; py < g; py++) {
            for (int px = 0; px < g; px++) {
                int p = py * g + px;
                for (int o = 0; o < dim; o++) {
                    float acc = 0f;
                    int idx = 0;
                    for (int c = 0; c < channels; c++) {
                        for (int ky = 0; ky < patch; ky++) {
                            long row = ((long) c * imageSize + (long) py * patch + ky) * imageSize + (long) px * patch;
                            for (int kx = 0; kx < patch; kx++, idx++) {
                                acc += w.getFloat((long) o * k + idx) * pixels.getAtIndex(JAVA_FLOAT, row + kx);
                            }
                        }
                    }
                    out.setAtIndex(JAVA_FLOAT, (long) p * dim + o, acc + bias.getFloat(o) + pos.getFloat((long) p * dim + o));
                }
            }
        }
    }
}
