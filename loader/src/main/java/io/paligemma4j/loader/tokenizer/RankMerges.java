package io.paligemma4j.loader.tokenizer;

import java.util.Map;

/** Hugging Face's BPE rule: an explicit list of merges, earlier ones first. */
final class RankMerges implements MergeRule {
    private final Map<Long, Merge> merges;

    /** @param merges keyed by {@link #key(int, int)} of the two parts' ids */
    RankMerges(Map<Long, Merge> merges) {
        this.merges = merges;
    }

    static long key(int leftId, int rightId) {
        return (long) leftId << 32 | rightId;
    }

    @Override
    public Merge find(String left, int leftId, String right, int rightId) {
        return leftId < 0 || rightId < 0 ? null : merges.get(key(leftId, rightId));
    }
}
