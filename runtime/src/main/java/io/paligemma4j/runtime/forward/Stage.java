package io.paligemma4j.runtime.forward;

import java.util.function.Consumer;

/**
 * A named run of layer ops: a SigLIP or decoder layer, an embedding, the head. Eager backends call
 * {@link #body} on every run; graph backends record it once into one task graph per stage.
 */
public record Stage<B>(String name, Phase phase, Consumer<LayerOps<B>> body) {
    /** Which passes run the stage: the vision tower (fixed rows), the decoder (prefill and decode), the head (one row). */
    public enum Phase { VISION, TEXT, LOGITS }
}
