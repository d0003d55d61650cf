package io.paligemma4j.tests;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import io.paligemma4j.loader.image.ImageLoader;
import io.paligemma4j.loader.tokenizer.GemmaTokenizer;
import io.paligemma4j.runtime.Backends;
import io.paligemma4j.runtime.GenerationOptions;
import io.paligemma4j.runtime.GenerationResult;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;
import io.paligemma4j.runtime.tasks.TaskPrompts;
import io.paligemma4j.server.ChatServer;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve}'s OpenAI-compatible server on a loopback port, driven by LangChain4j's OpenAI client
 * (plain and streaming) and by raw HTTP for every error, plus a bounded load test.
 */
class ServerTest {
    static final String KEY = "test-key";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static PaliGemmaModel model;
    static GemmaTokenizer tok;
    static ChatServer server;
    static String base;
    static String png;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() throws Exception {
        Path m = TinyTokenizerModel.committed(dir);
        model = PaliGemmaModel.load(m);
        tok = GemmaTokenizer.load(m);
        server = new ChatServer(config(2, 64), model, tok, Backends.select("cpu"), Session.defaultCapacity(model.config()),
                null);
        base = "http://127.0.0.1:" + server.port();
        png = Base64.getEncoder().encodeToString(Files.readAllBytes(Fixtures.resource("inputs/synthetic.png")));
    }

    static ChatServer.Config config(int parallel, int queue) {
        return new ChatServer.Config("127.0.0.1", 0, "tiny", KEY, parallel, queue, 2_000_000, 1 << 24, 16);
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
    }

    /** What the library gives for the same image and prompt, greedy: the server must say exactly this. */
    static String library(String prompt, int maxTokens) {
        var c = model.config();
        try (Session s = Session.open(model, Backends.select("cpu"), Session.defaultCapacity(c))) {
            int[] prefix = Session.textPrefix(c.text().bosId(), TaskPrompts.encode(tok, prompt), tok.encode("\n"));
            float[] px = io.paligemma4j.loader.image.Preprocess.pixels(ImageLoader.load(
                    Fixtures.resource("inputs/synthetic.png"), ImageLoader.DEFAULT_MAX_PIXELS), c.vision().imageSize());
            GenerationResult r = s.generate(px, prefix, new GenerationOptions(maxTokens, new HashSet<>(c.text().eosIds()),
                    c.imageTokenIndex()), t -> {}, false);
            return tok.decode(r.tokens());
        }
    }

    static UserMessage message(String prompt) {
        return UserMessage.from(TextContent.from(prompt), ImageContent.from(png, "image/png"));
    }

    @Test
    void langChain4jClientGetsTheLibrarysAnswer() {
        OpenAiChatModel client = OpenAiChatModel.builder().baseUrl(base + "/v1").apiKey(KEY).modelName("tiny")
                .maxTokens(8).build();
        ChatResponse r = client.chat(message("caption en"));
        assertEquals(library("caption en", 8), r.aiMessage().text());
        assertNotNull(r.tokenUsage());
        assertEquals(8, r.tokenUsage().outputTokenCount());
        assertEquals(16 + 1 + tok.encode("caption en").length + 1, r.tokenUsage().inputTokenCount());
    }

    @Test
    void langChain4jStreamingGetsTheSameAnswer() throws Exception {
        OpenAiStreamingChatModel client = OpenAiStreamingChatModel.builder().baseUrl(base + "/v1").apiKey(KEY)
                .modelName("tiny").maxTokens(8).build();
        StringBuilder parts = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        client.chat(List.of(message("answer en what is this")), new StreamingChatResponseHandler() {
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
        String want = library("answer en what is this", 8);
        assertEquals(want, parts.toString());
        assertEquals(want, r.aiMessage().text());
    }

    static HttpResponse<String> post(String path, String body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String chatBody(String content, String extra) {
        return "{\"model\":\"tiny\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":" + content + "}]"
                + extra + "}";
    }

    static String parts(String text, String... urls) {
        StringBuilder s = new StringBuilder("[{\"type\":\"text\",\"text\":\"" + text + "\"}");
        for (String u : urls) {
            s.append(",{\"type\":\"image_url\",\"image_url\":{\"url\":\"").append(u).append("\"}}");
        }
        return s.append("]").toString();
    }

    /** The status and an OpenAI-style error object whose message mentions {@code words}. */
    static void expectError(HttpResponse<String> r, int status, String words) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertNotNull(e, r.body());
        assertTrue(e.get("message").asText().toLowerCase().contains(words.toLowerCase()), r.body());
        assertTrue(e.has("type"), r.body());
    }

    @Test
    void everyUnsupportedRequestIsA4xxWithAnErrorObject() throws Exception {
        String img = "data:image/png;base64," + png;
        expectError(post("/v1/chat/completions", chatBody(parts("caption en", img), ""), null), 401, "api key");
        expectError(post("/v1/chat/completions", chatBody(parts("caption en", img), ""), "wrong"), 401, "api key");
        expectError(post("/v1/chat/completions", chatBody(parts("caption en", img), "").replace("\"tiny\"", "\"gpt-4o\""),
                KEY), 404, "gpt-4o");
        expectError(post("/v1/chat/completions", chatBody(parts("caption en", img, img), ""), KEY), 400, "one image");
        expectError(post("/v1/chat/completions", chatBody(parts("caption en"), ""), KEY), 400, "one image");
        expectError(post("/v1/chat/completions", "{\"model\":\"tiny\",\"messages\":[{\"role\":\"system\",\"content\":\"x\"},"
                + "{\"role\":\"user\",\"content\":" + parts("caption en", img) + "}]}", KEY), 400, "one user message");
        expectError(post("/v1/chat/completions", chatBody(parts("caption en", img), ",\"tools\":[{\"type\":\"function\"}]"),
                KEY), 400, "tools");
        expectError(post("/v1/chat/completions", chatBody(parts("caption en", "https://example.org/cat.png"), ""), KEY),
                400, "data: url");
        expectError(post("/v1/chat/completions", chatBody(parts("caption en", "data:image/png;base64,@@@"), ""), KEY),
                400, "base64");
        expectError(post("/v1/chat/completions", chatBody(parts("caption en", "data:image/png;base64,"
                + Base64.getEncoder().encodeToString("not an image".getBytes())), ""), KEY), 400, "image");
        expectError(post("/v1/chat/completions", chatBody(parts("caption en", img), ",\"n\":3"), KEY), 400, "n = 1");
        expectError(post("/v1/chat/completions", chatBody(parts("caption en", img), "").replace("\"max_tokens\":4",
                "\"max_tokens\":100000"), KEY), 400, "capacity");
        expectError(post("/v1/chat/completions", chatBody(parts("what is <image>", img), ""), KEY), 400, "<image>");
        expectError(post("/v1/chat/completions", chatBody(parts("caption en", img), ",\"temperature\":9"), KEY), 400,
                "temperature");
        expectError(post("/v1/chat/completions", "{not json", KEY), 400, "not valid json");
        expectError(post("/v1/chat/completions", "x".repeat(2_100_000), KEY), 413, "limit");
        expectError(post("/v1/nope", "{}", KEY), 404, "no endpoint");
        expectError(HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + KEY).GET().build(), HttpResponse.BodyHandlers.ofString()), 405, "post");
        expectError(post("/v1/segment", "{\"image\":\"" + img + "\",\"objects\":[\"cat\"]}", KEY), 400, "--vae");
    }

    @Test
    void modelsHealthAndDetect() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/models"))
                .header("Authorization", "Bearer " + KEY).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("tiny", JSON.readTree(r.body()).get("data").get(0).get("id").asText());
        r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        r = post("/v1/detect", "{\"image\":\"data:image/png;base64," + png + "\",\"objects\":[\"cat\",\"dog\"],"
                + "\"max_tokens\":4}", KEY);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode j = JSON.readTree(r.body());
        assertTrue(j.get("boxes").isArray() && j.has("answer") && j.get("usage").get("completion_tokens").asInt() == 4);
    }

    @Test
    void segmentEndpointWithADecoder() throws Exception {
        io.paligemma4j.runtime.tasks.VqVaeDecoder vae = io.paligemma4j.runtime.tasks.VqVaeDecoder.load(VaeFile.path(dir));
        try (ChatServer seg = new ChatServer(config(1, 4), model, tok, Backends.select("cpu"), 300, vae)) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + seg.port()
                    + "/v1/segment")).header("Authorization", "Bearer " + KEY).POST(HttpRequest.BodyPublishers.ofString(
                    "{\"image\":\"data:image/png;base64," + png + "\",\"objects\":[\"cat\"],\"max_tokens\":4}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            JsonNode j = JSON.readTree(r.body());
            assertTrue(j.get("objects").isArray() && j.has("answer"), r.body());
            expectError(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + seg.port() + "/v1/segment"))
                    .header("Authorization", "Bearer " + KEY).POST(HttpRequest.BodyPublishers.ofString(
                            "{\"image\":\"data:image/png;base64," + png + "\",\"objects\":[\"a;b\"]}")).build(),
                    HttpResponse.BodyHandlers.ofString()), 400, "separates objects");
        }
    }

    @Test
    void stopSequencesEndTheAnswer() throws Exception {
        String full = library("caption en", 8);
        assertTrue(full.length() >= 2, full);
        String stop = full.substring(1, 2);
        HttpResponse<String> r = post("/v1/chat/completions", chatBody(parts("caption en", "data:image/png;base64," + png),
                ",\"stop\":" + JSON.writeValueAsString(stop)).replace("\"max_tokens\":4", "\"max_tokens\":8"), KEY);
        JsonNode c = JSON.readTree(r.body()).get("choices").get(0);
        assertEquals(full.substring(0, full.indexOf(stop)), c.get("message").get("content").asText());
        assertEquals("stop", c.get("finish_reason").asText());
    }

    /** A full queue is a 429, and a client that hangs up mid-stream frees its session. */
    @Test
    void busyServersRefuseAndDisconnectsFreeSessions() throws Exception {
        try (ChatServer one = new ChatServer(config(1, 0), model, tok, Backends.select("cpu"), 300, null)) {
            String url = "http://127.0.0.1:" + one.port();
            String slow = chatBody(parts("caption en", "data:image/png;base64," + png), ",\"stream\":true")
                    .replace("\"max_tokens\":4", "\"max_tokens\":250");
            HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + KEY).POST(HttpRequest.BodyPublishers.ofString(slow)).build();
            HttpResponse<InputStream> streaming = HTTP.send(req, HttpResponse.BodyHandlers.ofInputStream());
            InputStream in = streaming.body();
            assertTrue(in.read(new byte[64]) > 0, "the stream started");
            HttpResponse<String> busy = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + KEY).POST(HttpRequest.BodyPublishers.ofString(
                            chatBody(parts("caption en", "data:image/png;base64," + png), ""))).build(),
                    HttpResponse.BodyHandlers.ofString());
            expectError(busy, 429, "busy");
            in.close(); // hang up mid-stream
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int status = 0;
            while (System.nanoTime() < deadline) {
                status = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/chat/completions"))
                        .header("Authorization", "Bearer " + KEY).POST(HttpRequest.BodyPublishers.ofString(
                                chatBody(parts("caption en", "data:image/png;base64," + png), ""))).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode();
                if (status == 200) {
                    break;
                }
                Thread.sleep(100);
            }
            assertEquals(200, status, "the abandoned stream's session came back");
        }
    }

    /**
     * 16 clients × 20 requests on loopback, twice: every answer equals the sequential one, and the
     * second round ends with the file descriptors and platform threads the first ended with
     * (kept-alive connections are open after both; a leak would grow by hundreds).
     */
    @Test
    void boundedLoadTest() throws Exception {
        String[] prompts = {"caption en", "answer en what is it", "caption de", "answer en where"};
        String[] want = new String[prompts.length];
        for (int i = 0; i < prompts.length; i++) {
            want[i] = library(prompts[i], 4);
        }
        round(prompts, want);
        long fds = fds();
        int threads = Thread.activeCount();
        long heap = usedHeapAfterGc();
        long[] all = round(prompts, want);
        System.out.printf("load test: %d requests in %.1f s = %.1f req/s; latency p50 %.0f ms, p95 %.0f ms, p99 %.0f ms"
                        + " (16 clients, 2 sessions, queue 64)%n", all.length - 1, all[all.length - 1] / 1e9,
                (all.length - 1) / (all[all.length - 1] / 1e9), all[(all.length - 1) / 2] / 1e6,
                all[(all.length - 1) * 95 / 100] / 1e6, all[(all.length - 1) * 99 / 100] / 1e6);
        assertTrue(fds() <= fds + 8, "file descriptors " + fds + " -> " + fds());
        assertTrue(Thread.activeCount() <= threads + 4, "threads " + threads + " -> " + Thread.activeCount());
        long heapAfter = usedHeapAfterGc();
        assertTrue(heapAfter <= heap + (64L << 20), "heap in use " + (heap >> 20) + " MB -> " + (heapAfter >> 20) + " MB");
    }

    static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    /** One round; returns the sorted latencies in ns with the round's wall time appended. */
    static long[] round(String[] prompts, String[] want) throws Exception {
        int clients = 16;
        int each = 20;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<long[]>> futures = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            int client = c;
            futures.add(pool.submit(() -> {
                long[] lat = new long[each];
                for (int i = 0; i < each; i++) {
                    int p = (client + i) % prompts.length;
                    long s = System.nanoTime();
                    HttpResponse<String> r = post("/v1/chat/completions", chatBody(parts(prompts[p],
                            "data:image/png;base64," + png), ""), KEY);
                    lat[i] = System.nanoTime() - s;
                    assertEquals(200, r.statusCode(), r.body());
                    assertEquals(want[p], JSON.readTree(r.body()).get("choices").get(0).get("message").get("content")
                            .asText());
                }
                return lat;
            }));
        }
        long[] all = new long[clients * each + 1];
        for (int c = 0; c < clients; c++) {
            System.arraycopy(futures.get(c).get(5, TimeUnit.MINUTES), 0, all, c * each, each);
        }
        long wall = System.nanoTime() - t0;
        pool.shutdown();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        Arrays.sort(all, 0, clients * each);
        all[clients * each] = wall;
        return all;
    }

    static long fds() throws Exception {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
