package io.paligemma4j.runtime.tasks;

import io.paligemma4j.loader.tokenizer.GemmaTokenizer;
import java.util.Arrays;

/**
 * Turns tokens into text as they arrive: decodes everything so far and prints what is new, so
 * multi-byte characters split across byte-fallback tokens appear once they are complete.
 */
public final class StreamingText {
    private final GemmaTokenizer tok;
    private int[] ids = new int[0];
    private String shown = "";

    public StreamingText(GemmaTokenizer tok) {
        this.tok = tok;
    }

    /** The text that token {@code id} completes (possibly empty). */
    public String next(int id) {
        ids = Arrays.copyOf(ids, ids.length + 1);
        ids[ids.length - 1] = id;
        String all = tok.decode(ids);
        // Hold back a trailing replacement character: it may be the start of an unfinished UTF-8 sequence.
        String stable = all.endsWith("\uFFFD") ? all.substring(0, all.length() - 1) : all;
        if (!stable.startsWith(shown)) {
            return "";
        }
        String fresh = stable.substring(shown.length());
        shown = stable;
        return fresh;
    }
}
