package io.paligemma4j.backends.tornado;

/**
 * Slots of the small per-run {@code IntArray} the host uploads before a text pass. TornadoVM
 * compiles scalar task arguments in as literals, so every value that changes between runs lives
 * here instead.
 */
public final class Step {
    /** Rows processed in this pass (prefill: image + text; decode: 1). */
    public static final int ROWS = 0;
    /** Absolute position of row 0; the KV-cache row it writes. */
    public static final int START = 1;
    /** Rows [0, PREFIX) attend bidirectionally (prefix-LM). */
    public static final int PREFIX = 2;
    /** First input row a row-selecting kernel reads (the logits pass picks one row of x). */
    public static final int IN_ROW = 3;
    /** Rows [0, IMAGE_ROWS) already hold image features; token ids start after them. */
    public static final int IMAGE_ROWS = 4;
    /** A decode step's token id; −1 in a prefill, whose ids come in their own array (uploaded by text.image). */
    public static final int TOKEN = 5;
    /** Logits a greedy pick looks at: ids [0, LIMIT). */
    public static final int LIMIT = 6;
    /** Slots in a step array: 32 bytes, all a decode step uploads. */
    public static final int SIZE = 8;

    private Step() {}
}
