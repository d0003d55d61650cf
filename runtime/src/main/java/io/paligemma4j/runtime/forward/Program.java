package io.paligemma4j.runtime.forward;

import java.util.ArrayList;
import java.util.List;

/**
 * The stages of the forward pass in the orders {@link ForwardEngine} runs them: {@code vision} for
 * an image; {@code prefill} then {@code logits} once per wanted row; {@code decode} then
 * {@code logits}. Prefill and decode share their stages but the first (which places the image
 * features). A prefill may follow the logits of an earlier sequence. {@code logitsOut} is the buffer
 * the head writes.
 */
public record Program<B>(List<Stage<B>> vision, List<Stage<B>> prefill, List<Stage<B>> decode, Stage<B> logits,
                         B logitsOut) {
    /** Every distinct stage, in a first-run order. */
    public List<Stage<B>> all() {
        List<Stage<B>> all = new ArrayList<>(vision);
        all.addAll(prefill);
        all.add(logits);
        return all;
    }
}
