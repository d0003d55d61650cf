package io.paligemma4j.loader.tokenizer;

/** Which adjacent pairs BPE may merge, into which piece, and in what order. */
interface MergeRule {
    /** A merge's result and its priority: lower merges first, ties go to the left-most pair. */
    record Merge(int id, double priority) {}

    /**
     * @param left     the left symbol's text
     * @param leftId   its id, or -1 when the text is not a piece (a character outside the vocabulary)
     * @return the merge, or null when the pair never merges
     */
    Merge find(String left, int leftId, String right, int rightId);
}
