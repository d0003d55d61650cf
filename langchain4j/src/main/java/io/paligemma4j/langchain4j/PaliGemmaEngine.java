package io.paligemma4j.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import io.paligemma4j.loader.image.ImageLoader;
import io.paligemma4j.loader.image.RgbImage;
import io.paligemma4j.loader.tokenizer.GemmaTokenizer;
import io.paligemma4j.runtime.Backend;
import io.paligemma4j.runtime.GenerationOptions;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;
import io.paligemma4j.runtime.tasks.Completions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * What the chat and streaming models share: one loaded model, its tokenizer, and a fixed set of
 * sessions (a call waits for a free one). A request is one {@link UserMessage} holding one
 * {@link ImageContent} and text: the text is the PaliGemma prompt ("caption en", "answer en …",
 * "detect cat ; dog"). Anything else (several images, history, system messages, tools) is an
 * {@link UnsupportedFeatureException} naming it.
 */
final class PaliGemmaEngine implements AutoCloseable {
    private final PaliGemmaModel model;
    private final boolean ownsModel;
    private final String modelName;
    private final Completions completions;
    private final BlockingQueue<Session> free;
    private final List<Session> sessions = new ArrayList<>();
    private final int defaultMaxTokens;

    PaliGemmaEngine(PaliGemmaModel model, boolean ownsModel, Backend backend, int sessions, int capacity,
                    int defaultMaxTokens) {
        this.model = model;
        this.ownsModel = ownsModel;
        this.modelName = model.dir().toAbsolutePath().normalize().getFileName().toString();
        this.completions = new Completions(model, GemmaTokenizer.load(model.dir()));
        this.defaultMaxTokens = defaultMaxTokens;
        this.free = new ArrayBlockingQueue<>(sessions);
        try {
            for (int i = 0; i < sessions; i++) {
                Session s = Session.open(model, backend, capacity);
                this.sessions.add(s);
                free.add(s);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    String modelName() {
        return modelName;
    }

    ChatResponse chat(ChatRequest request, Completions.Sink sink) {
        ChatRequestParameters p = request.parameters();
        if (p.toolSpecifications() != null && !p.toolSpecifications().isEmpty()) {
            throw new UnsupportedFeatureException("PaliGemma has no tools");
        }
        List<ChatMessage> messages = request.messages();
        if (messages.size() != 1 || !(messages.get(0) instanceof UserMessage user)) {
            throw new UnsupportedFeatureException("PaliGemma takes exactly one user message (one image and a prompt);"
                    + " system messages and multi-turn history are not supported");
        }
        List<String> texts = new ArrayList<>();
        List<ImageContent> images = new ArrayList<>();
        for (Content c : user.contents()) {
            if (c instanceof TextContent t) {
                texts.add(t.text());
            } else if (c instanceof ImageContent i) {
                images.add(i);
            } else {
                throw new UnsupportedFeatureException("content of type " + c.type() + " is not supported (text and one"
                        + " image are)");
            }
        }
        if (images.size() != 1) {
            throw new UnsupportedFeatureException("PaliGemma takes exactly one image per request, got " + images.size());
        }
        RgbImage image = decode(images.get(0));
        int maxTokens = p.maxOutputTokens() != null ? p.maxOutputTokens() : defaultMaxTokens;
        GenerationOptions options = completions.options(maxTokens, p.temperature() != null ? p.temperature() : 0,
                p.topK() != null ? p.topK() : 0, p.topP() != null ? p.topP() : 1, 0);
        int[] prefix = completions.prefix(String.join(" ", texts).strip());
        completions.checkFits(prefix, maxTokens, sessions.get(0).capacity());
        List<String> stops = p.stopSequences() != null ? p.stopSequences() : List.of();
        Session s;
        try {
            s = free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a session", e);
        }
        try {
            Completions.Completion c = completions.run(s, image, prefix, options, stops, sink);
            return ChatResponse.builder().aiMessage(AiMessage.from(c.text())).modelName(modelName)
                    .tokenUsage(new TokenUsage(c.promptTokens(), c.completionTokens()))
                    .finishReason(c.finishReason().equals("stop") ? FinishReason.STOP : FinishReason.LENGTH).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            free.add(s);
        }
    }

    /** Base64 data, a data: URL or a file: URL; the model fetches nothing from the network. */
    private static RgbImage decode(ImageContent c) {
        var img = c.image();
        if (img.base64Data() != null) {
            return ImageLoader.load(Base64.getDecoder().decode(img.base64Data()), "the image", ImageLoader.DEFAULT_MAX_PIXELS);
        }
        if (img.url() != null && "file".equals(img.url().getScheme())) {
            try {
                return ImageLoader.load(Files.readAllBytes(Path.of(img.url())), "image " + img.url(),
                        ImageLoader.DEFAULT_MAX_PIXELS);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new UnsupportedFeatureException("images must be base64 data or file: URLs; the model fetches nothing"
                + " from the network (got " + img.url() + ")");
    }

    @Override
    public void close() {
        for (Session s : sessions) {
            s.close();
        }
        if (ownsModel) {
            model.close();
        }
    }
}
