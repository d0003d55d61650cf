package io.paligemma4j.loader;

import java.util.List;

/**
 * The one place that knows how checkpoints name tensors. Every stored name is brought to the
 * canonical PaliGemma scheme ({@code vision_tower.*}, {@code multi_modal_projector.*},
 * {@code language_model.model.*}, {@code language_model.lm_head.*}); stage builders ask for
 * names relative to a {@link Prefixes}, so standalone Gemma and SigLIP checkpoints can reuse them with other prefixes.
 */
public final class TensorNames {
    private TensorNames() {}

    /** Where each part of a model lives, relative to the canonical scheme. */
    public record Prefixes(String vision, String projector, String text, String lmHead) {
        /** Hugging Face PaliGemma checkpoints (either naming generation). */
        public static final Prefixes PALIGEMMA = new Prefixes(
                "vision_tower.vision_model.", "multi_modal_projector.", "language_model.model.",
                "language_model.lm_head.");
    }

    /** Newer transformers save these names; each maps to the older, canonical one. */
    private static final List<String[]> RENAMES = List.of(
            new String[] {"model.language_model.", "language_model.model."},
            new String[] {"model.vision_tower.", "vision_tower."},
            new String[] {"model.multi_modal_projector.", "multi_modal_projector."},
            new String[] {"lm_head.", "language_model.lm_head."});

    /** The canonical name of a stored PaliGemma tensor name. */
    public static String canonical(String stored) {
        for (String[] r : RENAMES) {
            if (stored.startsWith(r[0])) {
                return r[1] + stored.substring(r[0].length());
            }
        }
        return stored;
    }

    // Stage-relative names, the single spelling of each weight.
    public static String patchWeight(Prefixes p) { return p.vision() + "embeddings.patch_embedding.weight"; }
    public static String patchBias(Prefixes p) { return p.vision() + "embeddings.patch_embedding.bias"; }
    public static String positionEmbedding(Prefixes p) { return p.vision() + "embeddings.position_embedding.weight"; }
    public static String visionLayer(Prefixes p, int i, String rest) { return p.vision() + "encoder.layers." + i + "." + rest; }
    public static String postLayerNorm(Prefixes p, String param) { return p.vision() + "post_layernorm." + param; }
    public static String projector(Prefixes p, String param) { return p.projector() + "linear." + param; }
    public static String embedTokens(Prefixes p) { return p.text() + "embed_tokens.weight"; }
    public static String textLayer(Prefixes p, int j, String rest) { return p.text() + "layers." + j + "." + rest; }
    public static String finalNorm(Prefixes p) { return p.text() + "norm.weight"; }
    public static String lmHead(Prefixes p) { return p.lmHead() + "weight"; }
}
