package io.paligemma4j.langchain4j;

import static org.junit.jupiter.api.Assertions.*;

import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import io.paligemma4j.loader.image.ImageLoader;
import io.paligemma4j.loader.image.Preprocess;
import io.paligemma4j.loader.tokenizer.GemmaTokenizer;
import io.paligemma4j.runtime.Backends;
import io.paligemma4j.runtime.GenerationOptions;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;
import io.paligemma4j.runtime.tasks.TaskPrompts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The LangChain4j models with LangChain4j's own types, against the library's greedy answer. */
class PaliGemmaChatModelTest {
    static final Path HOME = Path.of(System.getProperty("paligemma.home", ".."));
    static final Path MODEL = HOME.resolve("models/tiny-v1-tokenizer");
    static final Path IMAGE = HOME.resolve("samples/synthetic.png");

    static String library(String prompt, int maxTokens) {
        try (PaliGemmaModel m = PaliGemmaModel.load(MODEL);
             Session s = Session.open(m, Backends.select("cpu"), Session.defaultCapacity(m.config()))) {
            GemmaTokenizer tok = GemmaTokenizer.load(MODEL);
            var c = m.config();
            int[] prefix = Session.textPrefix(c.text().bosId(), TaskPrompts.encode(tok, prompt), tok.encode("\n"));
            float[] px = Preprocess.pixels(ImageLoader.load(IMAGE, ImageLoader.DEFAULT_MAX_PIXELS), c.vision().imageSize());
            return tok.decode(s.generate(px, prefix, new GenerationOptions(maxTokens, new HashSet<>(c.text().eosIds()),
                    c.imageTokenIndex()), t -> {}, false).tokens());
        }
    }

    static UserMessage message(String prompt) throws Exception {
        return UserMessage.from(TextContent.from(prompt),
                ImageContent.from(Base64.getEncoder().encodeToString(Files.readAllBytes(IMAGE)), "image/png"));
    }

    @Test
    void chatModelAnswersAsTheLibraryDoes() throws Exception {
        try (PaliGemmaChatModel m = PaliGemmaChatModel.builder().modelDir(MODEL).backend("cpu").maxTokens(6).build()) {
            ChatModel model = m;
            ChatResponse r = model.chat(message("caption en"));
            assertEquals(library("caption en", 6), r.aiMessage().text());
            assertEquals(6, r.tokenUsage().outputTokenCount());
            assertEquals(FinishReason.LENGTH, r.finishReason());
            ChatResponse file = model.chat(UserMessage.from(TextContent.from("caption en"), ImageContent.from(IMAGE.toUri())));
            assertEquals(r.aiMessage().text(), file.aiMessage().text(), "a file: URL is read like the bytes");
        }
    }

    @Test
    void streamingModelStreamsTheSameText() throws Exception {
        try (PaliGemmaStreamingChatModel m = PaliGemmaStreamingChatModel.builder().modelDir(MODEL).maxTokens(6).build()) {
            StreamingChatModel model = m;
            StringBuilder parts = new StringBuilder();
            CompletableFuture<ChatResponse> done = new CompletableFuture<>();
            model.chat(List.of(message("answer en what is this")), new StreamingChatResponseHandler() {
                @Override
                public void onPartialResponse(String partial) {
                    parts.append(partial);
                }

                @Override
                public void onCompleteResponse(ChatResponse response) {
                    done.complete(response);
                }

                @Override
                public void onError(Throwable error) {
                    done.completeExceptionally(error);
                }
            });
            ChatResponse r = done.get(60, TimeUnit.SECONDS);
            assertEquals(library("answer en what is this", 6), parts.toString());
            assertEquals(parts.toString(), r.aiMessage().text());
        }
    }

    @Test
    void whatPaliGemmaCannotDoIsRefusedByName() throws Exception {
        try (PaliGemmaChatModel model = PaliGemmaChatModel.builder().modelDir(MODEL).maxTokens(2).build()) {
            assertThrows(UnsupportedFeatureException.class, () -> model.chat(UserMessage.from("caption en")));
            assertThrows(UnsupportedFeatureException.class, () -> model.chat(SystemMessage.from("be brief"),
                    message("caption en")));
            assertThrows(UnsupportedFeatureException.class, () -> model.chat(UserMessage.from(TextContent.from("x"),
                    ImageContent.from(java.net.URI.create("https://example.org/cat.png")))));
            ChatRequest tooLong = ChatRequest.builder().messages(message("caption en")).maxOutputTokens(100_000).build();
            assertThrows(io.paligemma4j.loader.BadInputException.class, () -> model.chat(tooLong));
        }
    }
}
