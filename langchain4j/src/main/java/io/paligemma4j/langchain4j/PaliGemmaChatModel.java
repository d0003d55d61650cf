package io.paligemma4j.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;

/**
 * PaliGemma as a LangChain4j {@link ChatModel}, in-process. Switch an application to it by changing
 * one builder:
 *
 * <pre>{@code
 * ChatModel model = PaliGemmaChatModel.builder().modelDir(Path.of("paligemma-3b-mix-224")).build();
 * ChatResponse r = model.chat(UserMessage.from(TextContent.from("caption en"), ImageContent.from(b64, "image/png")));
 * }</pre>
 */
public final class PaliGemmaChatModel implements ChatModel, AutoCloseable {
    private final PaliGemmaEngine engine;

    PaliGemmaChatModel(PaliGemmaEngine engine) {
        this.engine = engine;
    }

    public static PaliGemmaBuilder<PaliGemmaChatModel> builder() {
        return new PaliGemmaBuilder<>(PaliGemmaChatModel::new);
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        return engine.chat(request, delta -> {});
    }

    @Override
    public void close() {
        engine.close();
    }
}
