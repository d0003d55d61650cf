package io.paligemma4j.loader.tokenizer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added / user-defined / control pieces in raw text: at a position, the longest piece that
 * starts there (Hugging Face's leftmost-longest added-token split; SentencePiece's prefix matcher).
 */
final class AtomicMatcher {
    private static final class Node {
        final Map<Character, Node> next = new HashMap<>(4);
        int id = -1;
    }

    private final Node root = new Node();

    AtomicMatcher(List<String> pieces, Vocabulary vocab) {
        for (String p : pieces) {
            Node n = root;
            for (int i = 0; i < p.length(); i++) {
                n = n.next.computeIfAbsent(p.charAt(i), c -> new Node());
            }
            n.id = vocab.ids.get(p);
        }
    }

    /** Id and length of the longest piece at {@code text[from..]}, packed as {@code id << 32 | length}, or -1. */
    long longestAt(String text, int from) {
        Node n = root;
        long best = -1;
        for (int i = from; i < text.length(); i++) {
            n = n.next.get(text.charAt(i));
            if (n == null) {
                break;
            }
            if (n.id >= 0) {
                best = (long) n.id << 32 | (i + 1 - from);
            }
        }
        return best;
    }
}
