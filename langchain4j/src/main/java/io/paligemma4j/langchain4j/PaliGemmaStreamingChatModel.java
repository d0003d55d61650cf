package io.paligemma4j.langchain4j;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;

/** PaliGemma as a LangChain4j {@link StreamingChatModel}: text reaches the handler as it is generated. */
public final class PaliGemmaStreamingChatModel implements StreamingChatModel, AutoCloseable {
    private final PaliGemmaEngine engine;

    PaliGemmaStreamingChatModel(PaliGemmaEngine engine) {
        this.engine = engine;
    }

    public static PaliGemmaBuilder<PaliGemmaStreamingChatModel> builder() {
        return new PaliGemmaBuilder<>(PaliGemmaStreamingChatModel::new);
    }

    /** Runs on the calling thread; the handler sees every piece of text, then the full response, or the error. */
    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        ChatResponse r;
        try {
            r = engine.chat(request, handler::onPartialResponse);
        } catch (RuntimeException e) {
            handler.onError(e);
            return;
        }
        handler.onCompleteResponse(r);
    }

    @Override
    public void close() {
        engine.close();
    }
}
