package io.paligemma4j.kernels;

/**
 * The fixed part of an attention op, taken from the model config: head counts, head size, the
 * multiplier applied to q·k, the logit soft-cap (0 = none) and the sliding window (0 = none).
 * Query head {@code h} reads kv head {@code h / (numHeads / numKvHeads)} (MQA/GQA).
 */
public record AttentionShape(int numHeads, int numKvHeads, int headDim, float scale, float softcap, int window) {
    public AttentionShape {
        if (numHeads <= 0 || numKvHeads <= 0 || headDim <= 0 || numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("bad attention shape " + numHeads + "/" + numKvHeads + "/" + headDim);
        }
    }

    public int qStride() {
        return numHeads * headDim;
    }

    public int kvStride() {
        return numKvHeads * headDim;
    }

    public int group() {
        return numHeads / numKvHeads;
    }

    /**
     * The prefix-LM visibility rule: key {@code k} is visible to query {@code q} (absolute sequence
     * indices) when {@code k <= q} (and within the window, if any), or when both lie in the prefix.
     */
    public boolean visible(int q, int k, int prefixLen) {
        if (q < prefixLen && k < prefixLen) {
            return true;
        }
        return k <= q && (window == 0 || q - k < window);
    }

    /** The visible keys of query q always form one range; this is its first index. */
    public int firstVisible(int q, int prefixLen) {
        if (q < prefixLen || window == 0) {
            return 0;
        }
        return Math.max(0, q - window + 1);
    }

    /** End (exclusive) of query q's visible key range, given nKv keys. */
    public int endVisible(int q, int prefixLen, int nKv) {
        return Math.min(nKv, q < prefixLen ? Math.max(prefixLen, q + 1) : q + 1);
    }
}
