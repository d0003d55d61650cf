package io.paligemma4j.runtime.tasks;

import java.util.Arrays;

/**
 * Scalar 2-D convolutions on channel-first {@code [C, H, W]} maps with PyTorch's weight layouts and
 * semantics (cross-correlation, no kernel flip). Sums are taken in double; the VQ-VAE decoder is
 * tiny (about 35 M multiply-adds), so plain loops are fast enough.
 */
final class Conv {
    private Conv() {}

    /**
     * PyTorch {@code Conv2d(cin, cout, k, stride 1, padding pad)}: weight {@code [cout, cin, k, k]},
     * output {@code [cout, h + 2·pad − k + 1, w + 2·pad − k + 1]}, zeros outside the input.
     */
    static float[] conv2d(float[] x, int cin, int h, int w, float[] weight, float[] bias, int cout, int k, int pad) {
        int oh = h + 2 * pad - k + 1;
        int ow = w + 2 * pad - k + 1;
        float[] out = new float[cout * oh * ow];
        for (int co = 0; co < cout; co++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    double acc = bias[co];
                    for (int ci = 0; ci < cin; ci++) {
                        for (int ky = 0; ky < k; ky++) {
                            int iy = oy + ky - pad;
                            if (iy < 0 || iy >= h) {
                                continue;
                            }
                            for (int kx = 0; kx < k; kx++) {
                                int ix = ox + kx - pad;
                                if (ix >= 0 && ix < w) {
                                    acc += (double) x[(ci * h + iy) * w + ix]
                                            * weight[((co * cin + ci) * k + ky) * k + kx];
                                }
                            }
                        }
                    }
                    out[(co * oh + oy) * ow + ox] = (float) acc;
                }
            }
        }
        return out;
    }

    /**
     * PyTorch {@code ConvTranspose2d(cin, cout, k, stride, padding pad)}: weight
     * {@code [cin, cout, k, k]}, output side {@code (h − 1)·stride − 2·pad + k}. Each input pixel
     * scatters {@code x[ci][iy][ix] · w[ci][co][ky][kx]} to output {@code (iy·stride − pad + ky,
     * ix·stride − pad + kx)}; contributions that land outside the output are cut off.
     */
    static float[] convTranspose2d(float[] x, int cin, int h, int w, float[] weight, float[] bias, int cout,
            int k, int stride, int pad) {
        int oh = (h - 1) * stride - 2 * pad + k;
        int ow = (w - 1) * stride - 2 * pad + k;
        double[] acc = new double[cout * oh * ow];
        for (int co = 0; co < cout; co++) {
            Arrays.fill(acc, co * oh * ow, (co + 1) * oh * ow, bias[co]);
        }
        for (int ci = 0; ci < cin; ci++) {
            for (int iy = 0; iy < h; iy++) {
                for (int ix = 0; ix < w; ix++) {
                    double v = x[(ci * h + iy) * w + ix];
                    for (int co = 0; co < cout; co++) {
                        int wBase = (ci * cout + co) * k * k;
                        for (int ky = 0; ky < k; ky++) {
                            int oy = iy * stride - pad + ky;
                            if (oy < 0 || oy >= oh) {
                                continue;
                            }
                            for (int kx = 0; kx < k; kx++) {
                                int ox = ix * stride - pad + kx;
                                if (ox >= 0 && ox < ow) {
                                    acc[(co * oh + oy) * ow + ox] += v * weight[wBase + ky * k + kx];
                                }
                            }
                        }
                    }
                }
            }
        }
        float[] out = new float[acc.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) acc[i];
        }
        return out;
    }

    static float[] relu(float[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.max(x[i], 0f);
        }
        return x;
    }
}
