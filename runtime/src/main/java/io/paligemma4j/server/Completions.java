package io.paligemma4j.server;

import io.paligemma4j.loader.image.Preprocess;
import io.paligemma4j.loader.image.RgbImage;
import io.paligemma4j.loader.tokenizer.GemmaTokenizer;
import io.paligemma4j.runtime.GenerationOptions;
import io.paligemma4j.runtime.GenerationResult;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;
import io.paligemma4j.runtime.tasks.StreamingText;
import io.paligemma4j.runtime.tasks.TaskPrompts;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One generation for the server: the image and prompt as the command line runs them
 * ({@code [image tokens][<bos>] prompt \n}), stop strings applied to the decoded text, and text
 * handed to a sink as it completes. A sink that fails (the client went away) stops the generation.
 */
final class Completions {
    /** The outcome: text (cut before a stop string), why it ended, and the token counts of {@code usage}. */
    record Completion(String text, String finishReason, int promptTokens, int completionTokens, int[] tokens) {}

    /** Receives text as it completes; an IOException means the client is gone. */
    interface Sink {
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

    Completions(PaliGemmaModel model, GemmaTokenizer tok) {
        this.model = model;
        this.tok = tok;
    }

    /** Prompt ids (typed text rules of {@link TaskPrompts#encode}); bad text is a 400. */
    int[] prefix(String prompt) {
        int[] ids;
        try {
            ids = TaskPrompts.encode(tok, TaskPrompts.custom(prompt));
        } catch (io.paligemma4j.loader.BadInputException e) {
            throw ApiError.invalid("messages", e.getMessage());
        }
        return Session.textPrefix(model.config().text().bosId(), ids, tok.encode("\n"));
    }

    Completion run(Session session, RgbImage image, int[] prefix, GenerationOptions options, List<String> stops,
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
