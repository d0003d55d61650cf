package io.paligemma4j.runtime;

/**
 * One sequence's worth of computation state on a backend: activations and the KV cache, allocated
 * once at open for the maximum sequence length. Not thread-safe; open one engine per thread.
 *
 * <p>The sequence is {@code [image features][text tokens...]}: {@link #prefill} writes rows
 * {@code [0, prefixLen + extra)} with the prefix attending bidirectionally, {@link #decode}
 * appends one causal token.
 */
public interface Engine extends AutoCloseable {
    /** Pixels [3, S, S] in [-1, 1] → projected image features [N, D] (unscaled). */
    float[] encodeImage(float[] pixels);

    /**
     * Runs image features then {@code tokens} from position 0. The first {@code prefixLen} rows
     * (image + prefix text) attend bidirectionally; later rows causally. Returns the logits of every
     * row ([rows, vocab]) when {@code allLogits}, else of the last row only ([vocab]).
     */
    float[] prefill(float[] imageFeatures, int[] tokens, int prefixLen, boolean allLogits);

    /** Appends one token after the current sequence and returns its logits [vocab]. */
    float[] decode(int token);

    /**
     * Appends one token and returns the greedy choice of the next ({@link Sampling#greedy} over ids
     * below {@code limit}, all when 0). A device backend picks it on the device, so only the id
     * comes back.
     */
    default int decodeGreedy(int token, int limit) {
        return Sampling.greedy(decode(token), limit);
    }

    /** Rows in the sequence so far. */
    int length();

    /** Room for rows (image + text) in this engine. */
    int capacity();

    /**
     * Device-side counters accumulated since the last call (and reset by it), for engines on an
     * accelerator that profiles: kernel, transfer and compile seconds, bytes each way. Empty for
     * host engines.
     */
    default java.util.Map<String, Double> takeDeviceCounters() {
        return java.util.Map.of();
    }

    @Override
    void close();
}
