package io.paligemma4j.loader.tokenizer;

import java.util.HashMap;
import java.util.Map;

/**
 * SentencePiece's BPE rule: two symbols merge when their concatenation is a normal, user-defined or
 * unused piece, the highest-scoring such piece first (sentencepiece bpe_model.cc).
 */
final class ScoreMerges implements MergeRule {
    private final Map<String, Integer> mergeable = new HashMap<>();
    private final float[] scores;

    ScoreMerges(Vocabulary vocab, float[] scores) {
        this.scores = scores;
        for (int id = 0; id < vocab.pieces.length; id++) {
            PieceType t = vocab.types[id];
            if (t == PieceType.NORMAL || t == PieceType.USER_DEFINED || t == PieceType.UNUSED) {
                mergeable.put(vocab.pieces[id], id);
            }
        }
    }

    @Override
    public Merge find(String left, int leftId, String right, int rightId) {
        Integer id = mergeable.get(left.concat(right));
        return id == null ? null : new Merge(id, -scores[id]);
    }
}
