package io.paligemma4j.loader.image;

/**
 * The Hugging Face SigLIP image processor as PaliGemma uses it: resize to S×S with PIL bicubic,
 * rescale by 1/255, normalise with mean 0.5 and std 0.5 (so x/127.5 − 1), channels first.
 */
public final class Preprocess {
    private Preprocess() {}

    /** Pixels [3, size, size] in [-1, 1]. */
    public static float[] pixels(RgbImage img, int size) {
        RgbImage r = Resample.bicubic(img, size, size);
        float[] out = new float[3 * size * size];
        int plane = size * size;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                for (int c = 0; c < 3; c++) {
                    // Same float32 steps as the processor: rescale, then (v - mean) / std.
                    float v = (float) (r.get(x, y, c) * (1.0 / 255.0));
                    out[c * plane + y * size + x] = (v - 0.5f) / 0.5f;
                }
            }
        }
        return out;
    }
}
