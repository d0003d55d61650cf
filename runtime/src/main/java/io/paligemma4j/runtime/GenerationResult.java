package io.paligemma4j.runtime;

import java.util.List;

/**
 * What one generation produced. {@code stepLogits.get(i)} are the logits that chose
 * {@code tokens[i]} (kept only when asked for); {@code prefillLogits} are [prefixLen, vocab] when
 * asked for. Times are in nanoseconds.
 */
public record GenerationResult(int[] tokens, boolean stoppedAtEos, float[] imageFeatures, float[] prefillLogits,
                               List<float[]> stepLogits, int prefixLength, Timings timings) {

    /** Per-stage wall times of one generation. */
    public record Timings(long visionNanos, long prefillNanos, long decodeNanos, int decodedTokens) {
        public double decodeTokensPerSecond() {
            return decodedTokens == 0 ? 0 : decodedTokens / (decodeNanos / 1e9);
        }
    }
}
