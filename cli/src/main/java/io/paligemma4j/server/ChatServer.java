package io.paligemma4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.image.ImageLoader;
import io.paligemma4j.loader.image.RgbImage;
import io.paligemma4j.loader.tokenizer.GemmaTokenizer;
import io.paligemma4j.runtime.Backend;
import io.paligemma4j.runtime.GenerationOptions;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.tasks.Completions;
import io.paligemma4j.runtime.tasks.Detection;
import io.paligemma4j.runtime.tasks.Detections;
import io.paligemma4j.runtime.tasks.SegmentationMask;
import io.paligemma4j.runtime.tasks.TaskPrompts;
import io.paligemma4j.runtime.tasks.VqVaeDecoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;

/**
 * An HTTP server speaking OpenAI's chat-completions protocol over one loaded model, on the JDK's
 * own HTTP server with a virtual thread per exchange and Jackson for every body. Endpoints:
 * {@code POST /v1/chat/completions} (plain and server-sent events), {@code GET /v1/models},
 * {@code GET /health}, and the structured {@code POST /v1/detect} and {@code POST /v1/segment}.
 * Everything the model cannot do is a 4xx with an OpenAI-style error object, decided before any
 * generation starts; a busy server answers 429.
 */
public final class ChatServer implements AutoCloseable {
    /** What the server is started with. {@code apiKey} null: no authentication. */
    public record Config(String host, int port, String modelName, String apiKey, int parallel, int queue,
                         long maxRequestBytes, long maxPixels, int defaultMaxTokens) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Config config;
    private final PaliGemmaModel model;
    private final GemmaTokenizer tok;
    private final Completions completions;
    private final VqVaeDecoder vae;
    private final SessionPool pool;
    private final HttpServer http;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicLong ids = new AtomicLong();

    /** Starts serving {@code model} (which must have a tokenizer) on {@code backend}. */
    public ChatServer(Config config, PaliGemmaModel model, GemmaTokenizer tok, Backend backend, int capacity,
                      VqVaeDecoder vae) throws IOException {
        this.config = config;
        this.model = model;
        this.tok = tok;
        this.vae = vae;
        this.completions = new Completions(model, tok);
        this.pool = new SessionPool(model, backend, capacity, config.parallel(), config.queue());
        try {
            http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 64);
        } catch (IOException e) {
            pool.close();
            throw e;
        }
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
    }

    /** The port bound (useful with port 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    @Override
    public void close() {
        http.stop(0);
        executor.close();
        pool.close();
    }

    private void handle(HttpExchange ex) {
        try (ex) {
            try {
                route(ex);
            } catch (ApiError e) {
                error(ex, e);
            } catch (BadInputException e) {
                error(ex, ApiError.invalid(null, e.getMessage()));
            } catch (IOException | java.io.UncheckedIOException e) {
                // The client went away (its generation has stopped); nothing to answer.
            } catch (RuntimeException e) {
                System.err.println("serve: internal error on " + ex.getRequestURI() + ": " + e);
                error(ex, new ApiError(500, "server_error", null, "internal error: " + e.getClass().getSimpleName()));
            }
        }
    }

    private void route(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        boolean known = path.equals("/health") || path.equals("/v1/models") || path.equals("/v1/chat/completions")
                || path.equals("/v1/detect") || path.equals("/v1/segment");
        if (!known) {
            throw new ApiError(404, "invalid_request_error", null, "no endpoint " + path);
        }
        if (!path.equals("/health")) {
            authenticate(ex);
        }
        boolean get = path.equals("/health") || path.equals("/v1/models");
        if (!method.equals(get ? "GET" : "POST")) {
            throw new ApiError(405, "invalid_request_error", null, path + " takes " + (get ? "GET" : "POST"));
        }
        switch (path) {
            case "/health" -> send(ex, 200, JSON.createObjectNode().put("status", "ok").put("model", config.modelName()));
            case "/v1/models" -> {
                ObjectNode list = JSON.createObjectNode().put("object", "list");
                list.putArray("data").addObject().put("id", config.modelName()).put("object", "model")
                        .put("created", 0).put("owned_by", "paligemma4j");
                send(ex, 200, list);
            }
            case "/v1/chat/completions" -> chat(ex, body(ex));
            case "/v1/detect" -> objects(ex, body(ex), false);
            default -> objects(ex, body(ex), true);
        }
    }

    private void authenticate(HttpExchange ex) {
        if (config.apiKey() == null) {
            return;
        }
        String h = ex.getRequestHeaders().getFirst("Authorization");
        byte[] want = ("Bearer " + config.apiKey()).getBytes(StandardCharsets.UTF_8);
        if (h == null || !MessageDigest.isEqual(want, h.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiError(401, "invalid_request_error", null, "missing or wrong API key (Authorization: Bearer KEY)");
        }
    }

    private JsonNode body(HttpExchange ex) throws IOException {
        String len = ex.getRequestHeaders().getFirst("Content-Length");
        if (len != null && len.matches("\\d{1,18}") && Long.parseLong(len) > config.maxRequestBytes()) {
            throw new ApiError(413, "invalid_request_error", null, "the request is " + len + " bytes, over the limit of "
                    + config.maxRequestBytes());
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (InputStream in = ex.getRequestBody()) {
            byte[] chunk = new byte[65536];
            for (int n; (n = in.read(chunk)) > 0; ) {
                buf.write(chunk, 0, n);
                if (buf.size() > config.maxRequestBytes()) {
                    throw new ApiError(413, "invalid_request_error", null, "the request is over the limit of "
                            + config.maxRequestBytes() + " bytes");
                }
            }
        }
        try {
            JsonNode n = JSON.readTree(buf.toByteArray());
            if (n == null || !n.isObject()) {
                throw ApiError.invalid(null, "the body must be a JSON object");
            }
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw ApiError.invalid(null, "the body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    // ---- chat completions ----

    private record ChatRequest(String prompt, RgbImage image, GenerationOptions options, List<String> stops,
                               boolean stream, boolean includeUsage) {}

    private ChatRequest parseChat(JsonNode b) {
        for (String unsupported : List.of("tools", "functions", "tool_choice", "function_call", "audio", "prediction")) {
            if (b.has(unsupported) && !b.get(unsupported).isNull()) {
                throw ApiError.invalid(unsupported, "'" + unsupported + "' is not supported: PaliGemma has no tools");
            }
        }
        checkModel(b);
        if (b.has("n") && b.get("n").asInt(1) != 1) {
            throw ApiError.invalid("n", "only n = 1 is supported");
        }
        if (b.path("logprobs").asBoolean(false)) {
            throw ApiError.invalid("logprobs", "logprobs are not supported");
        }
        JsonNode rf = b.get("response_format");
        if (rf != null && !rf.isNull() && !"text".equals(rf.path("type").asText())) {
            throw ApiError.invalid("response_format", "only the text response format is supported");
        }
        JsonNode messages = b.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiError.invalid("messages", "'messages' must be a non-empty array");
        }
        if (messages.size() != 1 || !"user".equals(messages.get(0).path("role").asText())) {
            throw ApiError.invalid("messages", "PaliGemma takes exactly one user message (one image and a prompt);"
                    + " system prompts and multi-turn history are not supported");
        }
        JsonNode content = messages.get(0).get("content");
        List<String> texts = new ArrayList<>();
        List<String> images = new ArrayList<>();
        if (content != null && content.isTextual()) {
            texts.add(content.asText());
        } else if (content != null && content.isArray()) {
            for (JsonNode part : content) {
                switch (part.path("type").asText()) {
                    case "text" -> texts.add(part.path("text").asText());
                    case "image_url" -> images.add(part.path("image_url").path("url").asText(""));
                    default -> throw ApiError.invalid("messages", "content part type '" + part.path("type").asText()
                            + "' is not supported (text and image_url are)");
                }
            }
        } else {
            throw ApiError.invalid("messages", "the user message has no content");
        }
        if (images.size() != 1) {
            throw ApiError.invalid("messages", "PaliGemma takes exactly one image per request, got " + images.size());
        }
        String prompt = String.join(" ", texts).strip();
        RgbImage image = image(images.get(0), "messages");
        int maxTokens = intParam(b, "max_completion_tokens", intParam(b, "max_tokens", config.defaultMaxTokens()));
        if (maxTokens < 1) {
            throw ApiError.invalid("max_tokens", "max_tokens must be at least 1");
        }
        double temperature = b.path("temperature").isNumber() ? b.get("temperature").asDouble() : 0;
        if (!(temperature >= 0 && temperature <= 2)) {
            throw ApiError.invalid("temperature", "temperature must be in [0, 2]");
        }
        double topP = b.path("top_p").isNumber() ? b.get("top_p").asDouble() : 1;
        if (!(topP > 0 && topP <= 1)) {
            throw ApiError.invalid("top_p", "top_p must be in (0, 1]");
        }
        int topK = intParam(b, "top_k", 0);
        if (topK < 0) {
            throw ApiError.invalid("top_k", "top_k must not be negative");
        }
        long seed = b.path("seed").isIntegralNumber() ? b.get("seed").asLong() : 0;
        List<String> stops = new ArrayList<>();
        JsonNode stop = b.get("stop");
        if (stop != null && stop.isTextual()) {
            stops.add(stop.asText());
        } else if (stop != null && stop.isArray()) {
            stop.forEach(s -> stops.add(s.asText()));
        } else if (stop != null && !stop.isNull()) {
            throw ApiError.invalid("stop", "stop must be a string or an array of strings");
        }
        if (stops.size() > 4 || stops.stream().anyMatch(String::isEmpty)) {
            throw ApiError.invalid("stop", "stop takes up to 4 non-empty strings");
        }
        GenerationOptions options = completions.options(maxTokens, temperature, topK, topP, seed);
        boolean stream = b.path("stream").asBoolean(false);
        return new ChatRequest(prompt, image, options, stops, stream, b.path("stream_options").path("include_usage")
                .asBoolean(false));
    }

    private void checkModel(JsonNode b) {
        JsonNode m = b.get("model");
        if (m != null && !m.isNull() && !m.asText().equals(config.modelName())) {
            throw new ApiError(404, "invalid_request_error", "model", "model '" + m.asText() + "' is not served here; "
                    + "this server has '" + config.modelName() + "'");
        }
    }

    private static int intParam(JsonNode b, String name, int dflt) {
        JsonNode n = b.get(name);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.canConvertToInt()) {
            throw ApiError.invalid(name, name + " must be an integer");
        }
        return n.asInt();
    }

    private RgbImage image(String url, String param) {
        if (!url.startsWith("data:")) {
            throw ApiError.invalid(param, "images must be data: URLs (data:image/png;base64,...); the server fetches"
                    + " nothing");
        }
        int comma = url.indexOf(',');
        if (comma < 0 || !url.substring(0, comma).endsWith(";base64")) {
            throw ApiError.invalid(param, "the image data: URL must be base64 (data:image/...;base64,...)");
        }
        byte[] data;
        try {
            data = Base64.getDecoder().decode(url.substring(comma + 1).replaceAll("\\s+", ""));
        } catch (IllegalArgumentException e) {
            throw ApiError.invalid(param, "the image is not valid base64: " + e.getMessage());
        }
        try {
            return ImageLoader.load(data, "the image", config.maxPixels());
        } catch (BadInputException e) {
            throw ApiError.invalid(param, e.getMessage());
        }
    }

    private int[] prefixFits(String prompt, GenerationOptions o) {
        try {
            int[] prefix = completions.prefix(prompt);
            completions.checkFits(prefix, o.maxNewTokens(), pool.capacity());
            return prefix;
        } catch (BadInputException e) {
            throw ApiError.invalid(e.getMessage().contains("capacity") ? "max_tokens" : "messages", e.getMessage());
        }
    }

    private void chat(HttpExchange ex, JsonNode b) throws IOException {
        ChatRequest r = parseChat(b);
        int[] prefix = prefixFits(r.prompt(), r.options());
        String id = "chatcmpl-" + ids.incrementAndGet();
        long created = System.currentTimeMillis() / 1000;
        if (!r.stream()) {
            Completions.Completion c = pool.with(s -> run(s, r, prefix, d -> {}));
            ObjectNode o = JSON.createObjectNode().put("id", id).put("object", "chat.completion").put("created", created)
                    .put("model", config.modelName());
            ObjectNode choice = o.putArray("choices").addObject().put("index", 0);
            choice.putObject("message").put("role", "assistant").put("content", c.text());
            choice.put("finish_reason", c.finishReason());
            usage(o.putObject("usage"), c);
            send(ex, 200, o);
            return;
        }
        pool.with(s -> {
            try {
                ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
                ex.getResponseHeaders().set("Cache-Control", "no-cache");
                ex.sendResponseHeaders(200, 0);
                OutputStream out = ex.getResponseBody();
                event(out, JSON.createObjectNode().put("role", "assistant").put("content", ""), null, id, created);
                Completions.Completion c = run(s, r, prefix, d -> event(out, JSON.createObjectNode().put("content", d),
                        null, id, created));
                event(out, null, c.finishReason(), id, created);
                if (r.includeUsage()) {
                    ObjectNode u = JSON.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
                            .put("created", created).put("model", config.modelName());
                    u.putArray("choices");
                    usage(u.putObject("usage"), c);
                    write(out, "data: " + JSON.writeValueAsString(u) + "\n\n");
                }
                write(out, "data: [DONE]\n\n");
                return c;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private Completions.Completion run(io.paligemma4j.runtime.Session s, ChatRequest r, int[] prefix,
                                       Completions.Sink sink) {
        try {
            return completions.run(s, r.image(), prefix, r.options(), r.stops(), sink);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void event(OutputStream out, ObjectNode delta, String finish, String id, long created) throws IOException {
        ObjectNode o = JSON.createObjectNode().put("id", id).put("object", "chat.completion.chunk").put("created", created)
                .put("model", config.modelName());
        ObjectNode choice = o.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta != null ? delta : JSON.createObjectNode());
        if (finish != null) {
            choice.put("finish_reason", finish);
        } else {
            choice.putNull("finish_reason");
        }
        write(out, "data: " + JSON.writeValueAsString(o) + "\n\n");
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void usage(ObjectNode u, Completions.Completion c) {
        u.put("prompt_tokens", c.promptTokens()).put("completion_tokens", c.completionTokens())
                .put("total_tokens", c.promptTokens() + c.completionTokens());
    }

    // ---- detect and segment ----

    private void objects(HttpExchange ex, JsonNode b, boolean segment) throws IOException {
        if (segment && vae == null) {
            throw ApiError.invalid(null, "segmentation needs the VQ-VAE decoder: start the server with --vae FILE");
        }
        checkModel(b);
        JsonNode objs = b.get("objects");
        if (objs == null || !objs.isArray() || objs.isEmpty()) {
            throw ApiError.invalid("objects", "'objects' must be a non-empty array of names");
        }
        List<String> names = new ArrayList<>();
        objs.forEach(o -> names.add(o.asText()));
        String prompt;
        try {
            prompt = segment ? TaskPrompts.segment(names.toArray(String[]::new)) : TaskPrompts.detect(names.toArray(String[]::new));
        } catch (BadInputException e) {
            throw ApiError.invalid("objects", e.getMessage());
        }
        RgbImage image = image(b.path("image").asText(""), "image");
        int maxTokens = intParam(b, "max_tokens", config.defaultMaxTokens());
        if (maxTokens < 1) {
            throw ApiError.invalid("max_tokens", "max_tokens must be at least 1");
        }
        GenerationOptions options = completions.options(maxTokens, 0, 0, 1, 0);
        int[] prefix = prefixFits(prompt, options);
        ChatRequest r = new ChatRequest(prompt, image, options, List.of(), false, false);
        Completions.Completion out = pool.with(s -> run(s, r, prefix, d -> {}));
        String raw = tok.decode(out.tokens(), false);
        List<Detection> dets = Detections.parse(raw, image.width(), image.height());
        ObjectNode o = JSON.createObjectNode().put("model", config.modelName()).put("answer", raw);
        ArrayNode boxes = o.putArray(segment ? "objects" : "boxes");
        for (Detection d : dets) {
            ObjectNode box = boxes.addObject().put("label", d.label()).put("x1", d.x1()).put("y1", d.y1())
                    .put("x2", d.x2()).put("y2", d.y2());
            if (segment) {
                if (d.hasMask()) {
                    SegmentationMask m = SegmentationMask.of(image.width(), image.height(), List.of(d), vae::decode);
                    ByteArrayOutputStream png = new ByteArrayOutputStream();
                    ImageIO.write(m.toImage(), "png", png);
                    box.put("mask_png_base64", Base64.getEncoder().encodeToString(png.toByteArray()));
                } else {
                    box.putNull("mask_png_base64");
                }
            }
        }
        usage(o.putObject("usage"), out);
        send(ex, 200, o);
    }

    // ---- responses ----

    private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void error(HttpExchange ex, ApiError e) {
        ObjectNode o = JSON.createObjectNode();
        ObjectNode err = o.putObject("error").put("message", e.getMessage()).put("type", e.type);
        if (e.param != null) {
            err.put("param", e.param);
        } else {
            err.putNull("param");
        }
        err.putNull("code");
        try {
            send(ex, e.status, o);
        } catch (IOException | RuntimeException ignored) {
            // Headers already sent (a stream that failed midway) or the client is gone.
        }
    }
}
