package io.paligemma4j.runtime;

import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.PaliGemmaConfig;

/** The argument checks every {@link Engine} makes, in one place so backends fail alike. */
public final class EngineInputs {
    private EngineInputs() {}

    /** Pixels must be [3, S, S] for the model's image size. */
    public static void checkPixels(PaliGemmaConfig config, float[] pixels) {
        int s = config.vision().imageSize();
        if (pixels.length != 3 * s * s) {
            throw new BadInputException("pixel array holds " + pixels.length + " values; the model takes [3, "
                    + s + ", " + s + "] = " + (3 * s * s));
        }
    }

    /** Checks a prefill's arguments and returns its row count (image + text). */
    public static int checkPrefill(PaliGemmaConfig config, int capacity, float[] imageFeatures, int[] tokens,
                                   int prefixLen) {
        int d = config.text().hiddenSize();
        int nImg = config.numImageTokens();
        if (imageFeatures.length != nImg * d) {
            throw new IllegalArgumentException("image features hold " + imageFeatures.length + " values, expected "
                    + nImg + " x " + d);
        }
        int rows = nImg + tokens.length;
        if (rows > capacity) {
            throw new BadInputException("sequence of " + rows + " tokens (" + nImg + " image + " + tokens.length
                    + " text) exceeds the capacity of " + capacity);
        }
        if (prefixLen < nImg || prefixLen > rows) {
            throw new IllegalArgumentException("prefix length " + prefixLen + " outside [" + nImg + ", " + rows + "]");
        }
        checkIds(config, tokens);
        return rows;
    }

    /** Checks that one more token fits after {@code length} rows. */
    public static void checkDecode(PaliGemmaConfig config, int length, int capacity, int token) {
        if (length == 0) {
            throw new IllegalStateException("decode before prefill");
        }
        if (length + 1 > capacity) {
            throw new BadInputException("generation reached the sequence capacity of " + capacity + " tokens");
        }
        checkIds(config, new int[] {token});
    }

    public static void checkIds(PaliGemmaConfig config, int[] tokens) {
        int vocab = config.text().vocabSize();
        for (int t : tokens) {
            if (t < 0 || t >= vocab) {
                throw new BadInputException("token id " + t + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
    }
}
