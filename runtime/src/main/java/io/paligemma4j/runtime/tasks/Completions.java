package io.paligemma4j.runtime.tasks;

import io.paligemma4j.loader.image.Preprocess;
import io.paligemma4j.loader.image.RgbImage;
import io.paligemma4j.loader.tokenizer.GemmaTokenizer;
import io.paligemma4j.runtime.GenerationOptions;
import io.paligemma4j.runtime.GenerationResult;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One text generation as a chat API runs it (the server, the LangChain4j model): the image and
 * prompt as the command line runs them
 * ({@code [image tokens][<bos>] prompt \n}), stop strings applied to the decoded text, and text
 * handed to a sink as it completes. A sink that fails (the client went away) stops the generation.
 */
public final class Completions {
    /** The outcome: text (cut before a stop string), why it ended, and the token counts of {@code usage}. */
    public record Completion(String text, String finishReason, int promptTokens, int completionTokens, int[] tokens) {}

    /** Receives text as it completes; an IOException means the client is gone. */
    public interface Sink {
        void text(String delta) throws IOException;
    }

    /** Thrown through the session to end a generation early; never leaves this class. */
    private static final class Stop extends RuntimeException {
        final IOException cause;

        Stop(IOException cause) {
            super(null, cause, false, false);
            this.cause = cause;
        }
    }

    private final PaliGemmaModel model;
    private final GemmaTokenizer tok;

    public Completions(PaliGemmaModel model, GemmaTokenizer tok) {
        this.model = model;
        this.tok = tok;
    }

    /** The text prefix {@code [<bos>] prompt \n} (typed-text rules of {@link TaskPrompts#encode}). */
    public int[] prefix(String prompt) {
        int[] ids = TaskPrompts.encode(tok, TaskPrompts.custom(prompt));
        return Session.textPrefix(model.config().text().bosId(), ids, tok.encode("\n"));
    }

    /** Greedy unless {@code temperature} > 0; stops at the model's EOS ids; never emits image-token ids. */
    public GenerationOptions options(int maxTokens, double temperature, int topK, double topP, long seed) {
        return GenerationOptions.forModel(model.config(), maxTokens, temperature, topK, topP, seed);
    }

    /** Raises a clear error when the prefix plus {@code maxTokens} cannot fit {@code capacity}. */
    public void checkFits(int[] prefix, int maxTokens, int capacity) {
        long need = (long) model.config().numImageTokens() + prefix.length + Math.max(0, maxTokens - 1);
        if (need > capacity) {
            throw new io.paligemma4j.loader.BadInputException("the prompt (" + prefix.length + " tokens after "
                    + model.config().numImageTokens() + " image tokens) plus " + maxTokens + " new tokens exceeds the"
                    + " sequence capacity of " + capacity);
        }
    }

    /** Generates on {@code session}, handing text to {@code sink} as it completes. */
    public Completion run(Session session, RgbImage image, int[] prefix, GenerationOptions options, List<String> stops,
                   Sink sink) throws IOException {
        float[] pixels = Preprocess.pixels(image, model.config().vision().imageSize());
        StreamingText stream = new StreamingText(tok);
        StringBuilder text = new StringBuilder();
        List<Integer> tokens = new ArrayList<>();
        int[] sent = {0};
        String[] stoppedBy = {null};
        GenerationResult r = null;
        try {
            r = session.generate(pixels, prefix, options, t -> {
                tokens.add(t);
                text.append(stream.next(t));
                int cut = firstStop(text, stops);
                if (cut >= 0) {
                    text.setLength(cut);
                    stoppedBy[0] = "stop";
                }
                // Hold back what could still become a stop string.
                int safe = stoppedBy[0] != null ? text.length() : Math.max(sent[0], text.length() - longest(stops) + 1);
                if (safe > sent[0]) {
                    try {
                        sink.text(text.substring(sent[0], safe));
                    } catch (IOException e) {
                        throw new Stop(e);
                    }
                    sent[0] = safe;
                }
                if (stoppedBy[0] != null) {
                    throw new Stop(null);
                }
            }, false);
        } catch (Stop s) {
            if (s.cause != null) {
                throw s.cause;
            }
        }
        if (sent[0] < text.length()) {
            sink.text(text.substring(sent[0]));
        }
        int[] ids = tokens.stream().mapToInt(Integer::intValue).toArray();
        String reason = stoppedBy[0] != null || (r != null && r.stoppedAtEos()) ? "stop" : "length";
        int n = model.config().numImageTokens() + prefix.length;
        // EOS is counted as generated, as OpenAI-compatible servers count it.
        return new Completion(text.toString(), reason, n, ids.length, ids);
    }

    private static int firstStop(CharSequence text, List<String> stops) {
        int best = -1;
        for (String s : stops) {
            int i = text.toString().indexOf(s);
            if (i >= 0 && (best < 0 || i < best)) {
                best = i;
            }
        }
        return best;
    }

    private static int longest(List<String> stops) {
        return stops.stream().mapToInt(String::length).max().orElse(1);
    }
}
