package io.paligemma4j.runtime.tasks;

/**
 * PIL's {@code Image.resize(size, BILINEAR)} for 32-bit float ("F") images, which big_vision uses
 * to fit a 64×64 mask to its box: a separable triangle filter whose support widens by the scale
 * factor when shrinking, weights normalised per output pixel, sums in double, horizontal pass first
 * with a float intermediate (PIL {@code Resample.c}, {@code ImagingResampleHorizontal_32bpc}).
 */
final class BilinearResize {
    private BilinearResize() {}

    /** Resizes a row-major {@code sw×sh} map to {@code dw×dh}. */
    static float[] resize(float[] src, int sw, int sh, int dw, int dh) {
        float[] img = src;
        if (dw != sw) {
            img = pass(img, sw, sh, dw, true);
        }
        if (dh != sh) {
            img = pass(img, dw, sh, dh, false);
        }
        return img == src ? src.clone() : img;
    }

    /** One pass along x ({@code horizontal}) or y over a {@code w×h} map, to {@code out} pixels. */
    private static float[] pass(float[] in, int w, int h, int out, boolean horizontal) {
        int inSize = horizontal ? w : h;
        int lines = horizontal ? h : w;
        int ow = horizontal ? out : w;
        double scale = (double) inSize / out;
        double filterscale = Math.max(scale, 1.0);
        double support = filterscale; // the triangle's support is 1
        float[] res = new float[horizontal ? out * h : w * out];
        for (int o = 0; o < out; o++) {
            double center = (o + 0.5) * scale;
            // PIL truncates toward zero here, as C's (int) cast does.
            int min = Math.max((int) (center - support + 0.5), 0);
            int count = Math.min((int) (center + support + 0.5), inSize) - min;
            double[] k = new double[count];
            double total = 0;
            for (int i = 0; i < count; i++) {
                k[i] = Math.max(0.0, 1.0 - Math.abs((i + min - center + 0.5) / filterscale));
                total += k[i];
            }
            for (int line = 0; line < lines; line++) {
                double acc = 0;
                for (int i = 0; i < count; i++) {
                    int s = horizontal ? line * w + min + i : (min + i) * w + line;
                    acc += in[s] * (total != 0.0 ? k[i] / total : k[i]);
                }
                res[horizontal ? line * ow + o : o * ow + line] = (float) acc;
            }
        }
        return res;
    }
}
