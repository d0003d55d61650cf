package io.paligemma4j.loader.image;

/**
 * PIL's {@code Image.resize(..., BICUBIC)} for 8-bit images, reproduced step by step (PIL
 * {@code Resample.c}): a separable convolution with the a = −0.5 cubic, whose support widens by the
 * scale factor when shrinking (antialiasing); coefficients normalised, then fixed-point with 22
 * fraction bits; horizontal pass first, rounded to uint8, then vertical. A pass whose size does not
 * change is skipped, as in PIL.
 */
public final class Resample {
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double SUPPORT = 2.0;

    private Resample() {}

    public static RgbImage bicubic(RgbImage in, int outW, int outH) {
        if (outW <= 0 || outH <= 0) {
            throw new IllegalArgumentException("target size " + outW + "x" + outH);
        }
        RgbImage img = in;
        if (outW != img.width()) {
            img = horizontal(img, outW);
        }
        if (outH != img.height()) {
            img = vertical(img, outH);
        }
        return img;
    }

    /** Per output pixel: first input index, count, and fixed-point weights. */
    private record Coeffs(int[] start, int[] count, int[][] weights) {}

    static double cubic(double x) {
        final double a = -0.5;
        x = Math.abs(x);
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    private static Coeffs coeffs(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterscale = Math.max(scale, 1.0);
        double support = SUPPORT * filterscale;
        int[] start = new int[outSize];
        int[] count = new int[outSize];
        int[][] weights = new int[outSize][];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterscale;
            // PIL truncates toward zero here, as C's (int) cast does.
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
            double[] k = new double[xmax];
            double ww = 0;
            for (int x = 0; x < xmax; x++) {
                double wgt = cubic((x + xmin - center + 0.5) * ss);
                k[x] = wgt;
                ww += wgt;
            }
            int[] fixed = new int[xmax];
            for (int x = 0; x < xmax; x++) {
                double v = ww != 0.0 ? k[x] / ww : k[x];
                fixed[x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
            }
            start[xx] = xmin;
            count[xx] = xmax;
            weights[xx] = fixed;
        }
        return new Coeffs(start, count, weights);
    }

    private static int clip8(long acc) {
        long v = acc >> PRECISION_BITS;
        return (int) (v < 0 ? 0 : Math.min(v, 255));
    }

    private static RgbImage horizontal(RgbImage in, int outW) {
        Coeffs c = coeffs(in.width(), outW);
        int h = in.height();
        byte[] src = in.rgb();
        byte[] out = new byte[outW * h * 3];
        for (int y = 0; y < h; y++) {
            int row = y * in.width();
            for (int xx = 0; xx < outW; xx++) {
                int[] k = c.weights()[xx];
                int x0 = c.start()[xx];
                for (int ch = 0; ch < 3; ch++) {
                    long acc = 1L << (PRECISION_BITS - 1);
                    for (int x = 0; x < c.count()[xx]; x++) {
                        acc += (long) (src[(row + x0 + x) * 3 + ch] & 0xFF) * k[x];
                    }
                    out[(y * outW + xx) * 3 + ch] = (byte) clip8(acc);
                }
            }
        }
        return new RgbImage(outW, h, out);
    }

    private static RgbImage vertical(RgbImage in, int outH) {
        Coeffs c = coeffs(in.height(), outH);
        int w = in.width();
        byte[] src = in.rgb();
        byte[] out = new byte[w * outH * 3];
        for (int yy = 0; yy < outH; yy++) {
            int[] k = c.weights()[yy];
            int y0 = c.start()[yy];
            for (int x = 0; x < w; x++) {
                for (int ch = 0; ch < 3; ch++) {
                    long acc = 1L << (PRECISION_BITS - 1);
                    for (int y = 0; y < c.count()[yy]; y++) {
                        acc += (long) (src[((y0 + y) * w + x) * 3 + ch] & 0xFF) * k[y];
                    }
                    out[(yy * w + x) * 3 + ch] = (byte) clip8(acc);
                }
            }
        }
        return new RgbImage(w, outH, out);
    }
}
