package io.paligemma4j.loader.tokenizer;

import java.util.PriorityQueue;

/**
 * The BPE core: start from code points, repeatedly merge the adjacent pair the rule ranks first
 * (left-most on ties), and emit ids. A symbol outside the vocabulary becomes its UTF-8 byte pieces
 * when byte fallback is on and every one of its bytes has a piece (decided per symbol, as Hugging
 * Face's tokenizers decides it: the real Gemma vocabulary lacks {@code <0x09>}), otherwise unk,
 * with a run of unks fused into one where the model says so (Gemma does). The whole text run is
 * one word: Gemma has no whitespace pre-split.
 */
final class Bpe {
    private record Candidate(double priority, int left, int right, int id, int length) {}

    private final Vocabulary vocab;
    private final MergeRule rule;
    private final boolean byteFallback;
    private final boolean fuseUnk;

    Bpe(Vocabulary vocab, MergeRule rule, boolean byteFallback, boolean fuseUnk) {
        this.vocab = vocab;
        this.rule = rule;
        this.byteFallback = byteFallback;
        this.fuseUnk = fuseUnk;
    }

    /** Appends the ids of {@code text}, already normalized (spaces as "▁"). */
    void encode(String text, IntList out) {
        int n = text.codePointCount(0, text.length());
        if (n == 0) {
            return;
        }
        // Symbol i spans text[start[i], end[i]); merging folds the right symbol into the left one.
        int[] start = new int[n];
        int[] end = new int[n];
        int[] id = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] dead = new boolean[n];
        for (int i = 0, at = 0; i < n; i++) {
            start[i] = at;
            at += Character.charCount(text.codePointAt(at));
            end[i] = at;
            id[i] = vocab.ids.getOrDefault(text.substring(start[i], at), -1);
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>((a, b) -> a.priority != b.priority
                ? Double.compare(a.priority, b.priority) : Integer.compare(a.left, b.left));
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, text, start, end, id, i, i + 1);
        }
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            int l = c.left, r = c.right;
            // Stale when either side has since merged with something else.
            if (dead[l] || dead[r] || next[l] != r || end[r] - start[l] != c.length) {
                continue;
            }
            end[l] = end[r];
            id[l] = c.id;
            dead[r] = true;
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            if (prev[l] >= 0) {
                offer(queue, text, start, end, id, prev[l], l);
            }
            if (next[l] >= 0) {
                offer(queue, text, start, end, id, l, next[l]);
            }
        }
        boolean afterUnk = false;
        for (int i = 0; i >= 0; i = next[i]) {
            String symbol = text.substring(start[i], end[i]);
            if (id[i] >= 0) {
                out.add(id[i]);
                afterUnk = false;
            } else if (byteFallback && ByteFallback.covers(symbol, vocab)) {
                ByteFallback.encode(symbol, vocab, out);
                afterUnk = false;
            } else {
                if (!(fuseUnk && afterUnk)) {
                    out.add(vocab.unkId);
                }
                afterUnk = true;
            }
        }
    }

    private void offer(PriorityQueue<Candidate> queue, String text, int[] start, int[] end, int[] id,
            int l, int r) {
        MergeRule.Merge m = rule.find(text.substring(start[l], end[l]), id[l],
                text.substring(start[r], end[r]), id[r]);
        if (m != null) {
            queue.add(new Candidate(m.priority(), l, r, m.id(), end[r] - start[l]));
        }
    }
}
