package io.paligemma4j.runtime;

/** Token choice from logits. */
public final class Sampling {
    private Sampling() {}

    /** Argmax over ids below {@code limit} (all when 0); the lowest id wins ties; NaN never wins. */
    public static int greedy(float[] logits, int limit) {
        int n = limit > 0 ? Math.min(limit, logits.length) : logits.length;
        int best = -1;
        float bestV = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = logits[i];
            if (v > bestV || (best < 0 && v == bestV)) {
                best = i;
                bestV = v;
            }
        }
        if (best < 0) {
            throw new IllegalStateException("logits hold no number (all NaN): the weights or inputs are broken");
        }
        return best;
    }
}
