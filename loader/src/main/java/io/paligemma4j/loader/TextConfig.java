package io.paligemma4j.loader;

import java.util.List;

/**
 * Gemma / Gemma 2 decoder hyper-parameters. Soft-caps are 0 when disabled; {@code slidingWindow}
 * is 0 when no layer slides. {@code sliding.get(j)} says whether layer j uses the window.
 */
public record TextConfig(
        String modelType,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int vocabSize,
        double rmsNormEps,
        double ropeTheta,
        int maxPositionEmbeddings,
        String hiddenAct,
        double queryPreAttnScalar,
        int slidingWindow,
        List<Boolean> sliding,
        double attnLogitSoftcap,
        double finalLogitSoftcap,
        int bosId,
        List<Integer> eosIds,
        int padId) {

    public TextConfig {
        sliding = List.copyOf(sliding);
        eosIds = List.copyOf(eosIds);
    }

    public boolean isGemma2() {
        return modelType.equals("gemma2");
    }

    /** Multiplier applied to q·k: {@code query_pre_attn_scalar^-0.5} (= head_dim^-0.5 for Gemma 1). */
    public double attentionScale() {
        return 1.0 / Math.sqrt(queryPreAttnScalar);
    }

    public int qDim() {
        return numHeads * headDim;
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }

    /** The window layer {@code j} attends through, 0 for full attention. */
    public int windowOf(int j) {
        return sliding.get(j) ? slidingWindow : 0;
    }
}
